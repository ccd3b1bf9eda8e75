"""The package's shape: modules follow the data, dependencies point one way, down the flow, and
what one module needs of another has a public name. A new module has to be given its layer here
(and its line in the README's layout), which is the point: someone decides where it belongs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "zongjie"

# Lower layers never import higher ones; a module may import its own layer's modules (the
# graph stays acyclic, checked below).
LAYERS: list[tuple[str, ...]] = [
    # what every step shares (`_wordcut`: the C extension of `wordcut`)
    ("document", "lexicon", "text", "wordcut", "_wordcut", "parallel", "version", "checks"),
    ("segment",),  # raw text → paragraphs
    ("structure",),  # paragraphs → their form and outline
    ("weak_labels", "dataset"),  # → labelled documents
    ("vocabulary", "features"),  # → features
    ("inference", "classifier", "decoding", "model"),  # → the fitted model, as arrays
    ("persistence", "explanation", "api"),  # → predictions
    ("render", "__main__", "serving", "spark", "__init__"),  # → what users see and call
    ("config", "evaluation", "reporting", "tracking", "training"),  # the training recipe
]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(zongjie module, imported names) of every import in `path`, lazy ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == ("zongjie")
        ):
            parts = node.module.split(".")
            names = [alias.name for alias in node.names]
            if len(parts) > 1:
                found.append((parts[1], names))
            else:  # from zongjie import x: a submodule, or a name of the package
                for name in names:
                    module = name if _is_module(name) else "__init__"
                    found.append((module, [] if module == name else [name]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "zongjie":
                    found.append((parts[1] if len(parts) > 1 else "__init__", []))
    return found


def _is_module(name: str) -> bool:
    """A module of the package: Python, or a C extension (which imports nothing of ours)."""
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / f"{name}.c").exists()


def _graph() -> dict[str, set[str]]:
    graph = {
        path.stem: {module for module, _ in _imports(path)} - {path.stem}
        for path in sorted(PACKAGE.glob("*.py"))
    }
    graph.update({path.stem: set() for path in sorted(PACKAGE.glob("*.c"))})
    return graph


def test_every_module_has_a_layer_and_imports_only_its_own_or_lower_ones() -> None:
    layer_of = {module: i for i, layer in enumerate(LAYERS) for module in layer}
    graph = _graph()
    assert sorted(layer_of) == sorted(graph), "give each module of src/zongjie one layer"
    upward = sorted(
        f"{module} imports {dependency}"
        for module, dependencies in graph.items()
        for dependency in dependencies
        if layer_of[dependency] > layer_of[module]
    )
    assert upward == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " → ".join((*path, module))
        if module in done:
            return
        for dependency in sorted(graph[module]):
            visit(dependency, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_no_module_or_script_imports_another_modules_private_name() -> None:
    files = [*PACKAGE.glob("*.py"), *(ROOT / "scripts").glob("*.py"), ROOT / "train.py"]
    private = sorted(
        f"{path.relative_to(ROOT)}: zongjie.{module}.{name}"
        for path in files
        for module, names in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    )
    assert private == []


def test_the_readme_layout_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Project layout", 1)[1].split("\n## ", 1)[0]
    missing = [
        path.name
        for path in sorted([*PACKAGE.glob("*.py"), *PACKAGE.glob("*.c")])
        if path.stem not in ("__init__", "version") and path.stem not in layout
    ]
    assert missing == []
