"""What the bench measures ontrack against: this machine's raw limits (COPY, produce and
consume, a no-op HTTP handler) and a peer (a Quix Streams application)."""
