"""API fuzzing: schemathesis against the live OpenAPI schema of all three surfaces, on a real
server, with a valid token. Zero 5xx and zero responses outside their documented schema.

    make test-fuzz                              # 100 examples per operation
    FITTINGROOM_FUZZ_EXAMPLES=1000 make test-fuzz   # CI's long suite

The seed is printed; `schemathesis run ... --seed N` replays a failure. The JUnit report goes
to build/fuzz/.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fittingroom.auth import TokenVerifier
from fittingroom.config import Settings
from tests import servers
from tests.servers import Server, launch

pytestmark = pytest.mark.fuzz

REPORTS = Path(__file__).parents[2] / "build" / "fuzz"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "FITTINGROOM_RATE_LIMIT": "1000000/minute",  # the fuzzer, not the limiter, is under test
        "FITTINGROOM_QUEUE_MAX_PENDING": "1000000",
        "FITTINGROOM_LOG_FORMAT": "text",
    }
    started = launch(tmp_path_factory.mktemp("fuzz") / "data", workers=1, extra_env=env)
    yield started
    servers.stop(started.process)


@pytest.mark.timeout(3600)  # 1,000 examples per operation take minutes, not the default 300 s
def test_no_server_errors_and_no_undocumented_answers(server: Server) -> None:
    examples = os.environ.get("FITTINGROOM_FUZZ_EXAMPLES", "100")
    token = TokenVerifier(Settings(data_dir=server.data_dir)).issue("fuzzer", ttl_s=6 * 3600)
    REPORTS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            str(servers.BIN / "schemathesis"),
            "run",
            f"{server.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            examples,
            "--suppress-health-check",
            "all",
            "--report",
            "junit",
            "--report-dir",
            str(REPORTS),
        ],
        capture_output=True,
        text=True,
        timeout=3000,
    )
    summary = result.stdout[result.stdout.find("SUMMARY") :]
    print(summary)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Test cases:" in summary and " passed" in summary
