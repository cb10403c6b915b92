"""Inside a service, dependencies point inward (docs/architecture.md, "Inside a service").

Every service package has the same layers: ``domain/`` (pure rules), ``application/`` (use cases),
``adapters/`` (database, bus, mail, card, HTTP clients, metrics) and ``entrypoints/`` (web, API,
consumers, CLI), plus ``settings.py`` and ``bootstrap.py`` (the ports, built once) at the top. Read
from the source with ast, so an import inside a function or under TYPE_CHECKING counts too:

- domain imports nothing of its service outside domain/, and no framework (flask, sqlalchemy, kombu...);
- application imports no entrypoints;
- adapters import no application, entrypoints or bootstrap code;
- the package's top level holds no use case: only __init__, settings, bootstrap and the four layers;
- ``entrypoints/consumers.py`` only binds events to use cases: imports, lists of ``Handler(...)`` whose
  function is the application's, and at most one-call adapters (an import from application, one call).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "intake": "intake",
    "signing": "signing",
    "review": "review",
    "notify": "notify",
    "card-delivery": "card_delivery",
}
LAYERS = ("domain", "application", "adapters", "entrypoints")
TOP_LEVEL_MODULES = {"__init__", "settings", "bootstrap"}
# Test tools shipped with the package so other services' tests and the demo can use them (signing's
# test PKI and simulated card); they are no use case and no layer.
TEST_TOOLS = {"signing": {"testing", "testpki"}}
FRAMEWORKS = {"flask", "werkzeug", "sqlalchemy", "alembic", "kombu"}
FORBIDDEN = {
    "domain": {"application", "adapters", "entrypoints", "bootstrap", "settings"},
    "application": {"entrypoints"},
    "adapters": {"application", "entrypoints", "bootstrap"},
}


def _modules(package_dir: Path):
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        yield path, parts[:-1] if parts[-1] == "__init__" else parts, parts[-1] == "__init__"


def _imported(parts: tuple[str, ...], is_package: bool, tree: ast.AST):
    """(line, dotted name) of every module the file imports, relative imports resolved."""
    own_package = parts if is_package else parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own_package[: len(own_package) - (node.level - 1)]
                prefix = ".".join(base + ((node.module,) if node.module else ()))
            else:
                prefix = node.module or ""
            # ``from pkg import name``: name may be a module of pkg (``from signing.application import verifying``).
            yield node.lineno, prefix
            for alias in node.names:
                yield node.lineno, f"{prefix}.{alias.name}"


def _offenders(folder: str, package: str, root: Path = ROOT) -> list[str]:
    found: dict[tuple[str, int, str], str] = {}  # (file, line, what it reaches) -> the shortest import naming it
    for path, parts, is_package in _modules(root / "services" / folder / package):
        layer = parts[1] if len(parts) > 1 else None
        if layer not in FORBIDDEN:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(root))
        for line, name in _imported(parts, is_package, tree):
            top, _, rest = name.partition(".")
            if top == package and rest.split(".")[0] in FORBIDDEN[layer]:
                reached = f"({layer}) imports {package}.{rest.split('.')[0]}: {name}"
            elif layer == "domain" and (top in FRAMEWORKS or top.startswith("flask_")):
                reached = f"(domain) imports the framework {top}: {name}"
            else:
                continue
            key = (where, line, reached.split(":")[0])
            if key not in found or len(reached) < len(found[key]):
                found[key] = reached
    return [f"{where}:{line} {reached}" for (where, line, _), reached in sorted(found.items())]


@pytest.mark.parametrize("folder, package", sorted(SERVICES.items()))
def test_dependencies_point_inward(folder, package):
    offenders = _offenders(folder, package)
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("folder, package", sorted(SERVICES.items()))
def test_no_use_case_sits_at_the_top_of_the_package(folder, package):
    package_dir = ROOT / "services" / folder / package
    allowed = TOP_LEVEL_MODULES | set(LAYERS) | TEST_TOOLS.get(package, set())
    strays = sorted(
        str(entry.relative_to(ROOT))
        for entry in package_dir.iterdir()
        if (entry.suffix == ".py" and entry.stem not in allowed)
        or (entry.is_dir() and any(entry.rglob("*.py")) and entry.name not in allowed)
    )
    assert not strays, f"{package}: modules outside the layers: {strays}"


def test_the_layer_check_sees_an_inward_import_broken(tmp_path):
    """The check itself: outward imports, relative or absolute, and a framework in the domain are caught;
    inward ones are not."""
    package = tmp_path / "services" / "svc" / "svc"
    files = {
        "domain/rule.py": "from ..adapters import tables\nimport flask\nfrom . import other\n",
        "application/use.py": "from ..domain import rule\nfrom svc.adapters import tables\nfrom svc import entrypoints\n",
        "adapters/tables.py": "import sqlalchemy\nfrom svc.domain import rule\n\ndef f():\n    from svc.bootstrap import ports\n",
        "entrypoints/web.py": "from svc.application import use\nfrom svc.bootstrap import ports\n",
    }
    for name, source in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(source)
    assert _offenders("svc", "svc", root=tmp_path) == [
        "services/svc/svc/adapters/tables.py:5 (adapters) imports svc.bootstrap: svc.bootstrap",
        "services/svc/svc/application/use.py:3 (application) imports svc.entrypoints: svc.entrypoints",
        "services/svc/svc/domain/rule.py:1 (domain) imports svc.adapters: svc.adapters",
        "services/svc/svc/domain/rule.py:2 (domain) imports the framework flask: flask",
    ]


# What a consumers module may import at its top: the use cases, the event names the domain keeps, the bus.
CONSUMER_IMPORTS = ("application", "domain")


def _consumer_offenders(folder: str, package: str, root: Path = ROOT) -> list[str]:
    """Why ``entrypoints/consumers.py`` is more than event -> use case bindings (empty when it is not)."""
    path = root / "services" / folder / package / "entrypoints" / "consumers.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = str(path.relative_to(root))
    found: list[str] = []
    application_names: set[str] = set()  # names bound to the application's modules or functions
    adapters: set[str] = set()

    def from_application(node: ast.ImportFrom) -> bool:
        return (node.module or "").split(".")[:2] == [package, "application"]

    def allowed_import(node: ast.stmt) -> bool:
        if isinstance(node, ast.ImportFrom) and node.module:
            top, _, rest = node.module.partition(".")
            return (
                node.module == "__future__"
                or top == "zairyu_shared"
                or (top == package and rest.split(".")[0] in CONSUMER_IMPORTS)
            )
        return False

    def trivial(func: ast.FunctionDef) -> bool:
        body = list(func.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # docstring
        *imports, last = body or [ast.Pass()]
        params = {a.arg for a in func.args.args}
        call = last.value if isinstance(last, ast.Expr | ast.Return) else None
        callee = call.func if isinstance(call, ast.Call) else None
        while isinstance(callee, ast.Attribute):
            callee = callee.value
        local = {a.asname or a.name for i in imports if isinstance(i, ast.ImportFrom) for a in i.names}
        return (
            all(isinstance(i, ast.ImportFrom) and from_application(i) for i in imports)
            and isinstance(call, ast.Call)
            and isinstance(callee, ast.Name)
            and callee.id in application_names | local
            and all(isinstance(a, ast.Name) and a.id in params for a in call.args)
            and not call.keywords
        )

    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, ast.ImportFrom | ast.Import):
            if not allowed_import(node):
                found.append(f"{where}:{node.lineno} imports {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom) and from_application(node):
                application_names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.FunctionDef):
            if trivial(node):
                adapters.add(node.name)
            else:
                found.append(f"{where}:{node.lineno} {node.name} does more than call a use case")
        elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.List | ast.Tuple):
            for item in node.value.elts:
                if not (isinstance(item, ast.Call) and isinstance(item.func, ast.Name) and item.func.id == "Handler"):
                    found.append(f"{where}:{item.lineno} binds something else than Handler(...)")
                    continue
                func = (
                    item.args[2]
                    if len(item.args) > 2
                    else next((k.value for k in item.keywords if k.arg == "func"), None)
                )
                root_name = func
                while isinstance(root_name, ast.Attribute):
                    root_name = root_name.value
                ok = isinstance(root_name, ast.Name) and (
                    (root_name is not func and root_name.id in application_names)
                    or (root_name is func and (func.id in adapters or func.id in application_names))
                )
                if not ok:
                    shown = ast.unparse(func) if func is not None else "nothing"
                    found.append(f"{where}:{item.lineno} binds {shown}, not a use case")
        else:
            found.append(f"{where}:{node.lineno} {type(node).__name__} outside the bindings")
    return found


@pytest.mark.parametrize("folder, package", sorted(SERVICES.items()))
def test_consumers_only_bind_events_to_use_cases(folder, package):
    offenders = _consumer_offenders(folder, package)
    assert not offenders, "\n".join(offenders)


def test_the_consumer_check_sees_a_handler_doing_work(tmp_path):
    """The check itself: logic in a handler, an adapter or a lambda bound, code at the top are caught;
    bindings of use cases and one-call adapters are not."""
    path = tmp_path / "services" / "svc" / "svc" / "entrypoints" / "consumers.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        '"""Doc."""\n'
        "from __future__ import annotations\n"
        "from svc.application import inbound\n"
        "from svc.adapters import tables\n"
        "from zairyu_shared.bus import Handler\n"
        "def _ok(runtime, session, event):\n"
        "    from svc.application.other import go\n"
        "    go(session, event)\n"
        "def _busy(runtime, session, event):\n"
        "    if event.payload:\n"
        "        inbound.go(runtime, session, event)\n"
        "def _print(runtime, session, event):\n"
        "    print(event)\n"
        "LIMIT = 3\n"
        "HANDLERS = [\n"
        "    Handler('a', ('x.y',), inbound.receive),\n"
        "    Handler('b', ('x.z',), _ok),\n"
        "    Handler('c', ('x.w',), _busy),\n"
        "    Handler('d', ('x.v',), tables.write),\n"
        "    Handler('e', ('x.u',), lambda runtime, session, event: None),\n"
        "]\n"
    )
    assert _consumer_offenders("svc", "svc", root=tmp_path) == [
        "services/svc/svc/entrypoints/consumers.py:4 imports from svc.adapters import tables",
        "services/svc/svc/entrypoints/consumers.py:9 _busy does more than call a use case",
        "services/svc/svc/entrypoints/consumers.py:12 _print does more than call a use case",
        "services/svc/svc/entrypoints/consumers.py:14 Assign outside the bindings",
        "services/svc/svc/entrypoints/consumers.py:18 binds _busy, not a use case",
        "services/svc/svc/entrypoints/consumers.py:19 binds tables.write, not a use case",
        "services/svc/svc/entrypoints/consumers.py:20 binds lambda runtime, session, event: None, not a use case",
    ]
