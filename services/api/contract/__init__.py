"""The API's contract: its OpenAPI document, the words of each operation, the problem types
and their pages, the documentation pages served by the API itself."""
