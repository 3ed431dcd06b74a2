"""The wheel is complete: built from the checkout, installed into a fresh virtual
environment, it serves the app (its WSGI module, templates, static files, translations and
migrations) with no file of the checkout in reach.

The fresh environment gets the wheel alone (`--no-deps`); its dependencies come from the
environment running the tests through a `.pth` line, which adds that site-packages folder
but none of its `.pth` files, so the checkout's editable install stays out. Installing the
dependencies from the registry too would take a minute; `test_dependencies.py` holds the
declared dependencies against the imports instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from tests.conftest import free_port
from tests.deploy.conftest import ROOT, answers, stop_group, wait_until


def _clean_env(tmp: Path) -> dict[str, str]:
    """The environment of a process outside the checkout: no PYTHONPATH, an instance of its
    own on the embedded SQLite default."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL",
                        "SMTP_URL", "AUDIT_KEY", "SECRET_KEY", "VIRTUAL_ENV")}
    env["ESCALATION_INSTANCE"] = str(tmp / "instance")
    return env


def test_the_wheel_serves_the_app_from_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = dist.glob("escalation-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "api/wsgi.py" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names[-10:]
    assert "wsgi.py" not in names  # the checkout's shim stays out of the package

    env = _clean_env(tmp_path)
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                                "--no-deps", str(wheel)], env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print("
                                "sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import api.wsgi, escalation, workflows; "
         "print(api.wsgi.__file__, escalation.__file__, workflows.__file__)"],
        cwd=outside, env=env, check=True, capture_output=True, text=True).stdout.split()
    assert all(Path(f).is_relative_to(site) for f in where), where

    subprocess.run([str(target / "bin" / "escalation"), "init-db"], cwd=outside, env=env,
                   check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(python), "-m", "gunicorn", "--no-control-socket", "-w", "1",
             "-b", f"127.0.0.1:{port}", "api.wsgi:app"],
            cwd=outside, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{base}/healthz"), 60, "gunicorn api.wsgi:app", proc, log)
        # A page (templates, the Finnish catalogue), a static file and the API document.
        page = subprocess.run([str(python), "-c", f"""
import urllib.request
for path in ("/login", "/static/css/web.css", "/api/openapi.json"):
    with urllib.request.urlopen("{base}" + path) as r:
        body = r.read().decode()
        print(path, r.status, len(body), "Kirjaudu" in body)
"""], cwd=outside, env=env, check=True, capture_output=True, text=True).stdout.splitlines()
        assert [line.split()[1] for line in page] == ["200", "200", "200"], page
        assert page[0].endswith("True"), page  # the login page in Finnish, from the .mo
    finally:
        stop_group(proc)
