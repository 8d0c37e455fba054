"""The stream: Faust agents from the ``readings`` topic to TimescaleDB."""
