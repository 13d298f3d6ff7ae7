"""The API surface: strawberry types, inputs, payloads and the federated Schema."""
