"""Resolve Python cross-references to netequiv objects under any of their names.

The API page documents each public object once, under the name users type
(``netequiv.DiffusionMaps``, ``netequiv.whitney.count_preimages``).  Docstrings refer to
the same objects in other ways: by their defining module (``netequiv.errors.nrmse``),
unqualified from inside the module (``choose_neurons``), or as a method of the class
being documented (``fit``).  When Sphinx cannot resolve such a reference, this handler
looks for the one documented object whose dotted name ends with the same components
(trying the class of the context for methods) and links to it.  References that match
nothing, or more than one object, stay unresolved and are reported by ``-n``.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.nodes import make_refnode


def _candidates(target: str, context_class: str | None) -> list[str]:
    """Dotted suffixes to look for, most specific first."""
    parts = target.lstrip(".~").split(".")
    if parts[0] == "netequiv":
        parts = parts[1:]
    suffixes = [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]
    if context_class and len(parts) == 1:
        suffixes.insert(0, f"{context_class.split('.')[-1]}.{parts[0]}")
    return suffixes


def resolve_alias(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    objects = domain.objects  # full name -> ObjectEntry(docname, node_id, objtype, aliased)
    for suffix in _candidates(node["reftarget"], node.get("py:class")):
        matches = [
            name
            for name in objects
            if name.startswith("netequiv.") and (name == f"netequiv.{suffix}" or name.endswith(f".{suffix}"))
        ]
        if len(matches) == 1:
            entry = objects[matches[0]]
            if not isinstance(contnode, nodes.Element):
                return None
            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, matches[0])
        if matches:
            return None  # ambiguous: let Sphinx report it
    return None


def setup(app):
    app.connect("missing-reference", resolve_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
