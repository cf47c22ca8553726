"""The JSON API: one blueprint per feature, thin views that validate and call a service."""
