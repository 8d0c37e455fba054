"""Sub-commands of the development tooling: the bench, the dashboards as code, the
Kubernetes ConfigMaps, and the checkout they work in."""
