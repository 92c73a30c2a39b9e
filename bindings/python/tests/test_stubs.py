"""The typed stubs match the extension module: every public class, method, parameter name and
default in libdocker/_native.pyi is the built module's, and the reverse (the project's rule: stubs
are checked by a test)."""

import ast
import inspect
from pathlib import Path

import libdocker
from libdocker import _native

STUB = Path(__file__).resolve().parents[1] / "python/libdocker/_native.pyi"


def stub_signatures():
    tree = ast.parse(STUB.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for f in node.body:
                if isinstance(f, ast.FunctionDef):
                    args = f.args.args[1:]  # self / cls
                    defaults = [None] * (len(args) - len(f.args.defaults)) + [ast.literal_eval(d) for d in f.args.defaults]
                    prop = any(isinstance(d, ast.Name) and d.id == "property" for d in f.decorator_list)
                    out[f"{node.name}.{f.name}"] = "property" if prop else [(a.arg, d) for a, d in zip(args, defaults)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = "constant"
    return out


def runtime_signatures():
    out = {}
    for name, value in vars(_native).items():
        if name.startswith("_"):
            continue
        if isinstance(value, type):
            for m, v in vars(value).items():
                if m.startswith("_") and m not in ("__iter__", "__next__"):
                    continue
                if inspect.isdatadescriptor(v):
                    out[f"{name}.{m}"] = "property"
                    continue
                params = list(inspect.signature(v).parameters.values())[1:]
                out[f"{name}.{m}"] = [(p.name, None if p.default is p.empty else p.default) for p in params]
            text = value.__text_signature__
            if text:
                params = list(inspect.signature(value).parameters.values())
                out[f"{name}.__new__"] = [(p.name, None if p.default is p.empty else p.default) for p in params]
        elif isinstance(value, int):
            out[name] = "constant"
    return out


def test_stub_matches_the_extension_module():
    stub, runtime = stub_signatures(), runtime_signatures()
    assert set(stub) == set(runtime), (
        f"in the stub only: {sorted(set(stub) - set(runtime))}; in the module only: {sorted(set(runtime) - set(stub))}")
    for name in runtime:
        assert stub[name] == runtime[name], name


def test_package_is_typed():
    pkg = Path(libdocker.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_native.pyi").is_file()
