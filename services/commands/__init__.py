"""Sub-commands of ``ontrack``, one module per area; each exports ``COMMANDS``."""
