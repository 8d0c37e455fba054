"""Where alerts go: the receivers and route tree (``tree``), read from routes files
(``file``); label matchers as Alertmanager writes them, and silences built on them."""
