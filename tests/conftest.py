pytest_plugins = ["tests.fixtures.stack", "tests.fixtures.services", "tests.fixtures.keys"]
