"""Strawberry's extension runner, without re-inspecting every hook of every request.

For each operation strawberry builds fresh extensions and, for each of its four steps
(operation, parsing, validation, execution), asks ``inspect`` of every extension's hook
whether it is a generator, an async generator or a plain callable, then wraps it with
``contextlib.contextmanager`` (a ``functools.wraps`` copy each time): about a sixth of a
cached ``{ __typename }``. The answer depends only on the extension's class, so it is worked
out once per (class, step) here, and a generator hook is wrapped without the copy. Hooks run
exactly as strawberry runs them: same order, same exit stacks.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any, Final, Literal

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

Kind = Literal["none", "generator", "async generator", "callable"]
_KINDS: dict[tuple[type[SchemaExtension], str], tuple[Kind, Any]] = {}
_NONE: Final[tuple[Kind, Any]] = ("none", None)


def _kind(extension: SchemaExtension, hook_name: str, default: object) -> tuple[Kind, Any]:
    key = (type(extension), hook_name)
    cached = _KINDS.get(key)
    if cached is not None:
        return cached
    hook = getattr(type(extension), hook_name)
    found: tuple[Kind, Any]
    if hook is default:
        found = _NONE
    elif inspect.isgeneratorfunction(hook):
        found = ("generator", hook)
    elif inspect.isasyncgenfunction(hook):
        found = ("async generator", hook)
    else:
        found = ("callable", hook)
    _KINDS[key] = found
    return found


class _CachedHooks(ExtensionContextManagerBase):
    """``get_hook`` answered from the per-class table; the rest is strawberry's."""

    __slots__ = ()

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        kind, hook = _kind(extension, self.HOOK_NAME, self.default_hook)
        if kind == "none":
            return None
        manager: Callable[[], Any]
        if kind == "generator":
            manager = partial(contextlib._GeneratorContextManager, hook, (extension,), {})
            return WrappedHook(extension=extension, hook=manager, is_async=False)
        if kind == "async generator":
            manager = partial(contextlib._AsyncGeneratorContextManager, hook, (extension,), {})
            return WrappedHook(extension=extension, hook=manager, is_async=True)
        return super().get_hook(extension)  # a plain (async) function: strawberry wraps it


class _Operation(_CachedHooks, OperationContextManager):
    __slots__ = ()


class _Validation(_CachedHooks, ValidationContextManager):
    __slots__ = ()


class _Parsing(_CachedHooks, ParsingContextManager):
    __slots__ = ()


class _Executing(_CachedHooks, ExecutingContextManager):
    __slots__ = ()


class CachedHooksRunner(SchemaExtensionsRunner):
    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
