"""Reading the project's configuration files (catalogue, plans, rules, routes): one YAML
reader that knows where everything is (``document``), JSON Schema errors explained
(``schema``), one :class:`Problem` per thing wrong and one error carrying them all
(``problems``), and the directory walk of rules/ and routes/ (``files``)."""

from services.config.document import Document, Key, Names, problem_at, read_document
from services.config.files import yaml_files
from services.config.problems import ConfigFileError, Problem, by_place
from services.config.schema import AllowedKeys, SchemaExplainer

__all__ = [
    "AllowedKeys",
    "ConfigFileError",
    "Document",
    "Key",
    "Names",
    "Problem",
    "SchemaExplainer",
    "by_place",
    "problem_at",
    "read_document",
    "yaml_files",
]
