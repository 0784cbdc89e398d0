"""Platforms: setting one up (`flask platform create`) and its settings page."""
