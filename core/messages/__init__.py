"""Outgoing message texts: localized templates per channel (email, chat) rendered at send time."""

from core.messages.renderer import MessageRenderer, Rendered, TemplateMissingError, default_renderer, render

__all__ = ["MessageRenderer", "Rendered", "TemplateMissingError", "default_renderer", "render"]
