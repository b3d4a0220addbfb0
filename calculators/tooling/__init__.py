"""Build-time tooling: YAML loading, validation, rules.json emission, editor commands.

May use PyYAML, jsonschema and Jinja2. Never imported by the run-time engine and never
shipped in the wheel.
"""
