"""A small Django project that signs its users in with Microsoft (see README.md, "Quick start")."""
