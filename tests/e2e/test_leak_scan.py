"""Leak scan: the demo inventory, with distinctive key values, through every flow as an operator
runs it (validate, a full rotation, an emergency revoke, doctor, report, audit, status, and
screenshot generation), then a byte search of everything rotui wrote or printed, and of the argv
of every child process, for each key value and its base64 forms. Zero hits.

The other credentials ride along as canaries in their real shapes: a Heroku ``HRKU-`` token, an
Infisical access token (a JWT), a GitHub ``ghp_`` token (gh gets it as GH_TOKEN, by environment),
and a notify URL with a password that every rotation, revoke and ``check --notify`` fails to
reach; a config with the token and the URL written in as values is refused without echoing them.

What is scanned:
- every file under the isolated HOME, which holds the XDG config, state, data, cache and log
  dirs (asserted below), under the working directory the commands ran in (a report written
  with ``-o`` lands there), under the children's TMPDIR, and the screenshots' output dir;
- every captured stdout and stderr;
- the argv of every rotui process, of every child it started, and of Python grandchildren
  (tests/support/argv_audit.py, inherited through a sitecustomize dir on PYTHONPATH), plus the
  fake gh's own record of its argv (it resets PYTHONPATH, so its Python is recorded one level up);
- the environment each of those children got, given or inherited, but for the one variable a
  command consumer asks for the key in (``env_var``) and gh's own GH_TOKEN.

What is deliberately not scanned (each is where a key is supposed to be):
- ``keyring.json``: the file keyring of tests/support/file_keyring.py stands in for the OS
  keyring, the secret store itself, outside HOME; the sanity checks prove it holds the keys;
- ``consumers/``: the consumers' own destinations (dotenv files, the fake gh's state, the command
  consumer's recorder). Writing the new key there is the rotation's job, not a leak; simulated
  Heroku and Infisical hold theirs in this process's memory;
- ``scaffold/``: this test's own scripts (the screenshot driver, the sitecustomize hook, the
  config with values written in).

Masked hints (``sk-ant-api03-abc…WXYZ``: the prefix, 3 characters and the last 4) are allowed;
no needle below is short enough to match one, which a sanity check proves.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w

import rotui.demo
from rotui.core.secret import mask, redact
from rotui.core.validation import ADMIN_USERNAME
from rotui.demo import DEMO_KEYS, WORKSPACES, DemoWiring, demo_config_text, demo_consumers
from rotui.demo import fake_key as builtin_fake_key
from rotui.paths import Paths
from rotui.sim.anthropic import SimKey
from rotui.sim.fake_gh import recorded_calls
from tests.support.argv_audit import ENV as ARGV_LOG_ENV
from tests.support.argv_audit import read_log, write_sitecustomize

REPO = Path(__file__).resolve().parents[2]
ARGV_AUDIT = REPO / "tests" / "support" / "argv_audit.py"
SCREENSHOTS = REPO / "scripts" / "screenshots.py"

SALT = "leak-scan/"
ROTATED = "ANTHROPIC_API_KEY"  # infisical, heroku, github + env-file, command, manual added here
EMERGENCY = "ANTHROPIC_API_KEY_AGENTS"  # a command consumer with $AGENT_KEY and a manual one
REFUSED = "ANTHROPIC_API_KEY_BATCH"  # wrong new keys pasted: the refusals must not echo them
LEGACY = next(d for d in DEMO_KEYS if d.source.startswith("env:"))
# The one place a child's environment may hold a key: the variable a command consumer names with
# ``env_var`` (the demo's agentctl takes the emergency key's new value in $AGENT_KEY).
CHANNEL = ("AGENT_KEY", "agentctl")
# And the one place a child's environment may hold the GitHub token: gh's own GH_TOKEN.
GH_CHANNEL = ("GH_TOKEN", "gh")


def distinctive(name: str, prefix: str = "sk-ant-api03-") -> str:
    """The demo's key shape (108 characters for an API key), but values no other test uses."""
    return builtin_fake_key(SALT + name, prefix)


def token(name: str, prefix: str = "", length: int = 40) -> str:
    """A distinctive token in its issuer's shape (cited at rotui.core.secret.value.TOKEN_PATTERN)."""
    body = "".join(
        c.upper() if i % 3 else c
        for i, c in enumerate(hashlib.sha256((SALT + name).encode()).hexdigest() * 2)
    )
    return prefix + body[:length]


def jwt(name: str) -> str:
    """An Infisical machine identity's access token: a JWT (header.payload.signature)."""
    return (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + token(name, "", 60) + "." + token(name + "/s")
    )


# Tokens in their real shapes: a Heroku HRKU- token, an Infisical access token (a JWT).
TOKENS = {"HEROKU_API_KEY": token("heroku", "HRKU-AA", 58), "INFISICAL_TOKEN": jwt("infisical")}
GH_TOKEN = token("gh", "ghp_", 36)  # gh gets it by environment (GH_TOKEN), never by argv
NOTIFY_PORT = 9  # the discard port: nothing listens on loopback, so every delivery fails
NOTIFY_URL = f"json://rotui:{token('notify', '', 32)}@127.0.0.1:{NOTIFY_PORT}/leak-scan"
ADMIN = distinctive(ADMIN_USERNAME, "sk-ant-admin01-")
NEW_ROTATED = distinctive(f"{ROTATED}/new")
NEW_EMERGENCY = distinctive(f"{EMERGENCY}/new")
NEW_REFUSED = distinctive(f"{REFUSED}/new")

# Every secret by a name the failure messages may show; the values are never printed.
SECRETS: dict[str, str] = {
    **{f"inventory {d.name}": distinctive(d.name) for d in DEMO_KEYS},
    "admin key": ADMIN,
    f"new key pasted to rotate {ROTATED}": NEW_ROTATED,
    f"new key pasted in the emergency revoke of {EMERGENCY}": NEW_EMERGENCY,
    f"quoted new key pasted to rotate {REFUSED}": NEW_REFUSED,
    # scripts/screenshots.py takes the new key from the demo's Console stand-in (demo_console).
    f"screenshot wizard's new {ROTATED}": distinctive(f"{ROTATED}-rotated-1"),
    "Heroku token": TOKENS["HEROKU_API_KEY"],
    "Infisical token": TOKENS["INFISICAL_TOKEN"],
    "GitHub token": GH_TOKEN,
    "notify URL": NOTIFY_URL,
}


# The needles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needle:
    secret: str  # the name in SECRETS
    form: str
    data: bytes


def _b64_aligned(value: bytes, lead: int, urlsafe: bool) -> bytes:
    """The part of base64(``lead`` bytes + value + anything) that depends on ``value`` alone."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(b"x" * lead + value + b"\0\0\0")  # the tail is trimmed below anyway
    first = -(-8 * lead // 6)  # the first character made only of value bits
    last = 8 * (lead + len(value)) // 6  # past the last character made only of value bits
    return encoded[first:last]


def needles_for(name: str, value: str) -> list[Needle]:
    raw = value.encode()
    head = mask(value).split("…")[0]  # what a hint shows of the start (maybe nothing)
    assert value.startswith(head) and len(value) >= 40
    middle = value[len(head) : -4]  # the part no hint ever shows
    forms: dict[str, bytes] = {
        "the value": raw,
        "the value without its last 4 characters": raw[:-4],
        "the value, '-' escaped as in SVG": value.replace("-", "&#45;").encode(),
        "hex": raw.hex().encode(),
    }
    for urlsafe in (False, True):
        kind = "urlsafe base64" if urlsafe else "base64"
        encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
        forms[kind] = encode(raw).rstrip(b"=")
        for lead in range(3):
            forms[f"{kind} inside a larger blob (offset {lead})"] = _b64_aligned(raw, lead, urlsafe)
    # 24-character windows every 12 across the never-shown middle: any leaked piece of 36 or
    # more characters of it (a truncated column, a split line) contains one whole window.
    for start in range(0, max(len(middle) - 24, 0) + 1, 12):
        forms[f"a piece of the value (characters {len(head) + start}+)"] = middle[
            start : start + 24
        ].encode()
    return [Needle(name, form, data) for form, data in forms.items()]


NEEDLES = [n for name, value in SECRETS.items() for n in needles_for(name, value)]


def hits(data: bytes, needles: list[Needle] = NEEDLES) -> list[str]:
    """Which secret, in which form, ``data`` holds: names and forms only, never a value."""
    found: dict[str, list[str]] = {}
    for needle in needles:
        if needle.data in data:
            found.setdefault(needle.secret, []).append(needle.form)
    return [f"{secret} ({', '.join(forms)})" for secret, forms in found.items()]


def _runs(record: dict[str, object], program: str) -> bool:
    """Whether an audit record starts ``program`` (itself, or a script run by an interpreter)."""
    argv = record["argv"]
    return isinstance(argv, list) and any(Path(word).stem == program for word in argv[:2])


def scan_tree(root: Path) -> Iterator[tuple[str, list[str]]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield str(path), hits(path.read_bytes())


# The world --------------------------------------------------------------------------------------


def leak_config(base_url: str, today: dt.date, wiring: DemoWiring, consumers: Path) -> str:
    """The demo inventory as the demo wires it, plus three more consumer kinds on ROTATED."""
    document = tomllib.loads(demo_config_text(base_url, today, wiring))
    dotenv = consumers / "app" / ".env"
    dotenv.parent.mkdir(parents=True)
    dotenv.write_text(f"# app\nDEBUG=0\nexport {ROTATED}={distinctive(ROTATED)}\n")
    recorder = consumers / "record.py"
    recorder.write_text(
        "import hashlib, sys\n"
        "value = sys.stdin.read()\n"
        "if not value: sys.exit('no key on stdin')\n"
        f"open({str(consumers / 'runtime.log')!r}, 'a').write("
        "hashlib.sha256(value.encode()).hexdigest() + '\\n')\n"
    )
    # Rotations, revokes and `check --notify` notify a URL that fails (nothing listens there).
    document["notify"] = {"urls": ["env:ROTUI_NOTIFY_URL"], "runs": True}
    rotated = next(k for k in document["keys"] if k["name"] == ROTATED)
    rotated["consumers"] += [
        {
            "name": "app-dotenv",
            "kind": "env-file",
            "path": str(dotenv),
            "order": 1,
            "verify_command": ["grep", "-q", f"^export {ROTATED}=", str(dotenv)],
        },
        {"name": "runtime", "kind": "command", "run": [sys.executable, str(recorder)], "order": 1},
        {"name": "laptop", "kind": "manual", "instructions": "Update ~/.zshrc"},
    ]
    # Children get an allow-listed environment; the command consumers opt in to the audit hook
    # (sitecustomize on PYTHONPATH, its log file) as a user would name their own variables.
    for key in document["keys"]:
        for consumer in key.get("consumers", []):
            if consumer["kind"] == "command":
                consumer["pass_env"] = ["PYTHONPATH", ARGV_LOG_ENV]
    return tomli_w.dumps(document)


def document_with_values(text: str) -> str:
    """The config with the Heroku token and the notify URL written in as values, not sources."""
    document = tomllib.loads(text)
    document["notify"]["urls"] = [NOTIFY_URL]
    for key in document["keys"]:
        for consumer in key.get("consumers", []):
            if consumer["kind"] == "heroku":
                consumer["token"] = TOKENS["HEROKU_API_KEY"]
    return tomli_w.dumps(document)


SCREENSHOT_DRIVER = """\
import runpy, sys
import rotui.demo as demo
builtin_fake_key = demo.fake_key
def fake_key(name, prefix="sk-ant-api03-"):
    return builtin_fake_key({salt!r} + name, prefix)
demo.fake_key = fake_key  # the screenshots' demo, with this test's distinctive values
demo.DEMO_TOKENS.update({tokens!r})
sys.argv = [{script!r}, "--out", {out!r}]
runpy.run_path({script!r}, run_name="__main__")
"""


def test_no_key_value_leaks_from_any_flow(
    tmp_path: Path,
    child_env: dict[str, str],
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = isolated_home
    keyring_file = Path(child_env["ROTUI_TEST_KEYRING"])
    consumers = tmp_path / "consumers"  # consumer destinations: excluded (see the docstring)
    scaffold = tmp_path / "scaffold"  # this test's scripts: excluded
    work = tmp_path / "work"  # the commands' working directory: scanned
    tmpdir = tmp_path / "tmpdir"  # the children's TMPDIR: scanned
    shots = tmp_path / "screenshots"  # scripts/screenshots.py --out: scanned
    argv_log = tmp_path / "argv.jsonl"
    for directory in (consumers, work, tmpdir):
        directory.mkdir()
    hook_dir = scaffold / "hook"
    write_sitecustomize(hook_dir)
    for where in Paths.default().all():  # config, state, data, cache and log dirs
        assert where.is_relative_to(home), where
    assert not keyring_file.is_relative_to(home)

    env = {
        **child_env,
        "PYTHONPATH": os.pathsep.join([str(hook_dir), str(REPO)]),
        ARGV_LOG_ENV: str(argv_log),
        "TMPDIR": str(tmpdir),
        "TEXTUAL_ANIMATIONS": "none",
        LEGACY.source.removeprefix("env:"): distinctive(LEGACY.name),
        **TOKENS,
        GH_CHANNEL[0]: GH_TOKEN,
        "ROTUI_NOTIFY_URL": NOTIFY_URL,
    }
    streams: list[tuple[str, str]] = []
    own_argvs: list[list[str]] = []

    # Screenshot generation runs alongside (it mostly waits on the UI), on its own demo.
    driver = scaffold / "screenshots_driver.py"
    driver.write_text(
        SCREENSHOT_DRIVER.format(salt=SALT, tokens=TOKENS, script=str(SCREENSHOTS), out=str(shots))
    )
    shot_argv = [sys.executable, str(driver)]
    own_argvs.append(shot_argv)
    shot_out, shot_err = scaffold / "shots.out", scaffold / "shots.err"
    with shot_out.open("wb") as out, shot_err.open("wb") as err:
        screenshots = subprocess.Popen(shot_argv, stdout=out, stderr=err, env=env, cwd=work)

    def rotui_cmd(
        *args: str, stdin: str = "", ok: tuple[int, ...] = (0,), config: Path | None = None
    ) -> str:
        argv = [sys.executable, str(ARGV_AUDIT), *args]
        own_argvs.append(argv)
        given = env if config is None else {**env, "ROTUI_CONFIG": str(config)}
        done = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, env=given, cwd=work, timeout=120
        )
        label = "rotui " + " ".join(args)
        streams.extend(
            [(f"stdout of `{label}`", done.stdout), (f"stderr of `{label}`", done.stderr)]
        )
        if done.returncode not in ok:
            # Without a traceback: pytest would show this frame's arguments, the stdin included.
            found = hits((done.stdout + done.stderr).encode()) or ["no key in its output"]
            output = redact(done.stdout[-3000:] + done.stderr[-3000:])
            pytest.fail(
                f"`{label}` exited {done.returncode} ({'; '.join(found)}):\n{output}",
                pytrace=False,
            )
        return done.stdout

    today = dt.datetime.now(dt.UTC).date()
    monkeypatch.setattr(
        rotui.demo, "fake_key", lambda name, prefix="sk-ant-api03-": distinctive(name, prefix)
    )
    for name, value in TOKENS.items():
        monkeypatch.setitem(rotui.demo.DEMO_TOKENS, name, value)
    try:
        with rotui.demo.demo_sim(today) as sim, demo_consumers(consumers) as wiring:
            config = work / "rotui.toml"
            config.write_text(leak_config(sim.base_url, today, wiring, consumers))
            config.chmod(0o600)
            env["ROTUI_CONFIG"] = str(config)
            for new, demo_name in ((NEW_ROTATED, ROTATED), (NEW_EMERGENCY, EMERGENCY)):
                workspace = next(d.workspace for d in DEMO_KEYS if d.name == demo_name)
                sim.add_key(
                    SimKey(
                        new,
                        name=f"{demo_name.lower()}-new",
                        workspace_id=WORKSPACES[workspace],
                        created_at=f"{today.isoformat()}T09:00:00Z",
                    )
                )

            # Keys go in through the CLI, as an operator stores them.
            rotui_cmd("key", "set", "--admin", stdin=ADMIN + "\n")
            for demo in DEMO_KEYS:
                if demo.source == "keyring":
                    rotui_cmd("key", "set", demo.name, stdin=distinctive(demo.name) + "\n")

            # Validate everything: the demo has a revoked, a rate-limited, a no-credit key, and
            # one the API does not know, so the error paths are exercised too.
            table = rotui_cmd("validate", ok=(1,))
            assert all(d.name in table for d in DEMO_KEYS)
            rotui_cmd("validate", "--json", ok=(1,))
            rotui_cmd("validate", ROTATED, "--ping")
            rotui_cmd("check", ok=(1,))
            rotui_cmd("check", "--notify", ok=(1,))
            assert "notify.urls[0] (json://…) not delivered" in streams[-1][1], streams[-1]

            # Config errors naming a bad value: a token and a notify URL written into the file
            # instead of a source are refused without being echoed (the file is this test's own).
            bad = document_with_values(config.read_text())
            bad_config = scaffold / "bad.toml"
            bad_config.write_text(bad)
            bad_config.chmod(0o600)
            rotui_cmd("validate", ok=(2,), config=bad_config)
            assert "invalid configuration" in streams[-1][1], streams[-1]
            rotui_cmd("doctor", ok=(0, 1, 2), config=bad_config)

            # A full rotation: infisical, heroku (+ downstream check), github, env-file,
            # command on stdin, manual.
            rotui_cmd("rotate", ROTATED, "--dry-run")
            done = rotui_cmd(
                "rotate",
                ROTATED,
                "--headless",
                "--confirm-manual",
                "--revoke",
                stdin=NEW_ROTATED + "\n",
            )
            assert "✓ Finish" in done and "✓ Revoke" in done, redact(done)

            # Wrong new keys are refused without being echoed.
            quoted = rotui_cmd("rotate", REFUSED, "--headless", stdin=f'"{NEW_REFUSED}"', ok=(1,))
            assert "quoted" in quoted
            admin = rotui_cmd("rotate", REFUSED, "--headless", stdin=ADMIN, ok=(1,))
            assert "Admin API key" in admin
            same = rotui_cmd("rotate", REFUSED, "--headless", stdin=distinctive(REFUSED), ok=(1,))
            assert "current key" in same
            nothing = rotui_cmd("rotate", REFUSED, "--rollback", ok=(2,))
            assert [s for n, s in streams if "--rollback" in n and "nothing to roll back" in s]
            del nothing  # a refused paste starts no run: there is nothing to roll back

            # An emergency revoke, now: deactivate first, then the new key everywhere.
            emergency = rotui_cmd(
                "revoke",
                EMERGENCY,
                "--headless",
                "--mode",
                "now",
                "--confirm",
                EMERGENCY,
                "--confirm-manual",
                "--exposed-at",
                "2026-01-01T00:00:00Z",
                stdin=NEW_EMERGENCY + "\n",
            )
            assert "✓ Deactivate the old key now" in emergency and "✓ Propagate" in emergency

            # Doctor, every flow that takes a key on the keys this run touched.
            for args in (
                (),
                (ROTATED,),
                (EMERGENCY,),
                (LEGACY.name,),
                ("--json", ROTATED),
                ("--flow", "usage"),
                (EMERGENCY, "--flow", "old-key"),
                (ROTATED, "--flow", "consumers"),
                (ROTATED, "--flow", "workspace"),
                (ROTATED, "--flow", "forgot-new-key"),
            ):
                assert "doctor" in rotui_cmd("doctor", *args, ok=(0, 1)) or "--json" in args

            audit = json.loads(rotui_cmd("audit", "--json"))
            assert audit["chain"]["ok"]
            rotui_cmd("audit")
            rotui_cmd("audit", "--verify")
            run_ids = list(dict.fromkeys(e["run_id"] for e in audit["entries"] if e.get("run_id")))
            assert len(run_ids) >= 2, run_ids
            for run_id in run_ids:
                rotui_cmd("report", run_id)
            rotui_cmd("report", run_ids[-1], "-o", "incident.md")
            assert (work / "incident.md").exists()
            status = json.loads(rotui_cmd("status", "--json"))
            assert {k["name"] for k in status["keys"]} == {d.name for d in DEMO_KEYS}
            rotui_cmd("status")
        screenshots.wait(timeout=120)
    finally:
        if screenshots.poll() is None:  # the flows failed first: do not leave it running
            screenshots.kill()
            screenshots.wait()
    streams.append(("stdout of screenshot generation", shot_out.read_text()))
    streams.append(("stderr of screenshot generation", shot_err.read_text()))
    assert screenshots.returncode == 0, redact(streams[-1][1][-3000:])

    # Sanity: the scan can fail, the flows did what they claim, and the scope is not empty. ------
    # The screenshots ran on these values: their hints show, the built-in demo's do not.
    dashboard = (shots / "dashboard-120x36.svg").read_text()
    wizard = (shots / "rotate-wizard-120x36.svg").read_text()
    ours = [mask(SECRETS[f"inventory {d.name}"]) for d in DEMO_KEYS]
    builtin = [mask(builtin_fake_key(d.name)) for d in DEMO_KEYS]
    assert any(hint in dashboard for hint in ours) and not any(h in dashboard for h in builtin)
    wizard_hint = mask(SECRETS[f"screenshot wizard's new {ROTATED}"])
    assert wizard_hint in wizard
    assert len(list(shots.glob("*.svg"))) >= 9
    # The consumer's dotenv file does hold the new key (where it belongs, and found there).
    in_dotenv = hits((consumers / "app" / ".env").read_bytes())
    assert len(in_dotenv) == 1, in_dotenv
    assert in_dotenv[0].startswith(f"new key pasted to rotate {ROTATED} (the value,"), in_dotenv
    # The file keyring (the secret store, not scanned) holds the keys the CLI stored.
    in_keyring = hits(keyring_file.read_bytes())
    for name in (f"new key pasted to rotate {ROTATED}", "admin key", f"inventory {REFUSED}"):
        assert any(hit.startswith(name + " (") for hit in in_keyring), (name, in_keyring)
    canary = tmp_path / "canary"
    canary.mkdir()
    target, target_name = NEW_EMERGENCY, f"new key pasted in the emergency revoke of {EMERGENCY}"
    blob = base64.b64encode(b"xx" + target.encode() + b"\nmore")
    (canary / "blob.bin").write_bytes(b"\x00junk " + blob + b" junk\xff")
    (canary / "url.txt").write_bytes(base64.urlsafe_b64encode(b"x" + target.encode()))
    (canary / "cut.txt").write_text(target[:-4] + "…")
    (canary / "piece.txt").write_text("| " + target[10:50] + " |")
    (canary / "hints.txt").write_text(
        "\n".join(mask(v) + " " + mask(v).replace("…", "...") for v in SECRETS.values())
    )
    found = dict(scan_tree(canary))
    assert found.pop(str(canary / "hints.txt")) == []  # masked hints are allowed
    assert all(len(h) == 1 and h[0].startswith(target_name + " (") for h in found.values()), found
    assert len(found) == 4

    argv_records = read_log(argv_log)
    children = [r for r in argv_records if r["event"] != "self"]
    started = [" ".join(r["argv"]) for r in children]
    assert any("secret set" in s for s in started)  # the fake gh
    assert any(str(consumers / "record.py") in s for s in started)  # the command consumer
    assert any("agentctl" in s for s in started)  # the $AGENT_KEY command consumer
    assert any(s.startswith("grep -q") for s in started)  # a verify command
    # Python grandchildren carry the hook: the command consumers report their own argv.
    selves = [" ".join(r["argv"]) for r in argv_records if r["event"] == "self"]
    assert any("record.py" in s for s in selves) and any("agentctl" in s for s in selves)
    # Children's environments are recorded (given or inherited), and the one channel a consumer
    # asked for does hold the key: the allowance below is not vacuous.
    channel = [r for r in children if _runs(r, CHANNEL[1])]
    assert channel and all(CHANNEL[0] in r["env"] for r in channel), channel
    assert any(hits(r["env"][CHANNEL[0]].encode()) for r in channel)
    # gh got its token by environment, and its argv (scanned below) never holds it.
    gh_runs = [r for r in children if _runs(r, GH_CHANNEL[1])]
    assert gh_runs and all(r["env"].get(GH_CHANNEL[0]) == GH_TOKEN for r in gh_runs), len(gh_runs)
    assert all(isinstance(r.get("env"), dict) for r in children)
    gh_calls = recorded_calls(consumers / "gh")
    assert any(c["argv"][:2] == ["secret", "set"] for c in gh_calls)

    # The scan -------------------------------------------------------------------------------
    scanned: list[tuple[str, list[str]]] = []
    for root in (home, work, tmpdir, shots):
        scanned += list(scan_tree(root))
    files = [path for path, _ in scanned]
    for expected in ("audit.jsonl", "rotui.toml", "incident.md", "dashboard-120x36.svg"):
        assert any(Path(p).name == expected for p in files), expected
    assert any("/runs/" in p for p in files), files
    scanned += [(name, hits(text.encode())) for name, text in streams]
    for record in argv_records:
        label = f"argv recorded in pid {record['pid']} ({record['event']}): {record['argv'][0]}"
        scanned.append((label, hits("\0".join(record["argv"]).encode())))
        for name, value in (record.get("env") or {}).items():
            if name == CHANNEL[0] and _runs(record, CHANNEL[1]):
                continue  # the consumer asked for the key in this variable (env_var)
            if name == GH_CHANNEL[0] and _runs(record, GH_CHANNEL[1]):
                continue  # gh's own token, where gh reads it (never its argv)
            where = f"environment of {record['argv'][0]} ({name}), started by pid {record['pid']}"
            scanned.append((where, hits(f"{name}={value}".encode())))
    for call in gh_calls:
        scanned.append(("argv of the fake gh", hits("\0".join(call["argv"]).encode())))
    for argv in own_argvs:
        scanned.append((f"argv of {' '.join(argv[1:3])}", hits("\0".join(argv).encode())))

    leaks = [f"{where}: {', '.join(found)}" for where, found in scanned if found]
    assert not leaks, f"key values found in {len(leaks)} place(s):\n" + "\n".join(leaks)
