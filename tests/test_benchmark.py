import importlib.util
import io
import sqlite3

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def benchmark(*args: str) -> str:
    out = io.StringIO()
    call_command("benchmark", "export", *args, stdout=out)
    return out.getvalue()


def test_a_small_run_builds_its_database_and_prints_the_table(tmp_path):
    path = tmp_path / "bench.sqlite3"

    output = benchmark("--claims", "300", "--db", str(path), "--import-export-rows", "100")

    assert "Built 300 claims" in output
    table = [line for line in output.splitlines() if line.startswith("| ")]
    assert table[0].split("|")[1].strip() == "contender"
    ours, import_export, cli = table[1:]
    assert ours.startswith("| ours (factcheck.exports)")
    assert cli.startswith("| sqlite3 -csv")
    if importlib.util.find_spec("import_export") is None:
        assert "not installed: pip install -e .[bench]" in import_export
    else:
        assert "first 100 rows only" in output
    rows = int(ours.split("|")[2].replace(",", ""))
    assert rows == int(cli.split("|")[2].replace(",", ""))
    assert rows > 300
    assert "first byte within 0.5 s" in output
    with sqlite3.connect(path) as db:
        claims, attributions = db.execute(
            "SELECT (SELECT count(*) FROM factcheck_claim), "
            "(SELECT count(*) FROM factcheck_attribution)"
        ).fetchone()
        types = db.execute(
            "SELECT count(DISTINCT source_type_id) FROM factcheck_source s "
            "JOIN factcheck_attribution a ON a.source_id = s.id"
        ).fetchone()[0]
    assert claims == 300
    assert 2.5 < attributions / claims < 3.5
    assert types == 9
    assert not list(tmp_path.glob("*.csv"))


def test_an_existing_file_is_refused(tmp_path):
    path = tmp_path / "precious.sqlite3"
    path.write_bytes(b"not ours")

    with pytest.raises(CommandError, match="exists"):
        benchmark("--claims", "10", "--db", str(path))

    assert path.read_bytes() == b"not ours"


def test_reuse_refuses_a_database_it_did_not_build(tmp_path):
    path = tmp_path / "other.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()

    with pytest.raises(CommandError, match="not built by this benchmark"):
        benchmark("--reuse", "--db", str(path))


def test_the_database_path_is_required():
    with pytest.raises(CommandError, match="--db"):
        benchmark("--claims", "10")


def test_suggest_imports_a_small_corpus_runs_real_workers_and_prints_the_table(tmp_path):
    path = tmp_path / "suggest.sqlite3"
    out = io.StringIO()

    call_command("benchmark", "suggest", "--articles", "4", "--db", str(path), stdout=out)

    output = out.getvalue()
    table = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in output.splitlines()
        if line.startswith("| ") and not line.startswith("| -")
    }
    assert table["measure"] == ["figure", "target", ""]
    assert table["pipeline load (once per process)"][2] == "met"
    assert float(table["suggestions per article"][0].split()[0]) > 5
    assert table["runs done, 1 worker"][0].startswith("4 of 4")
    assert table["runs done, 2 workers"][0].startswith("4 of 4")
    assert table["runs done, 2 workers"][1:] == ["all", "met"]
    assert [key for key in table if key.startswith("1,000 words, median")]
    assert all(row[2] in {"", "met", "MISSED"} for row in table.values() if row[1] != "target")
    with sqlite3.connect(tmp_path / "suggest-2-workers.sqlite3") as db:
        states = db.execute("SELECT state, count(*) FROM factcheck_suggestionrun GROUP BY state")
        assert dict(states.fetchall()) == {"done": 4}


def test_suggest_refuses_an_existing_database(tmp_path):
    path = tmp_path / "precious.sqlite3"
    path.write_bytes(b"not ours")

    with pytest.raises(CommandError, match="exists"):
        call_command("benchmark", "suggest", "--articles", "2", "--db", str(path))

    assert path.read_bytes() == b"not ours"


def test_the_suggest_corpus_repeats_the_articles_with_their_figures_varied():
    from factcheck.benchmarks.suggest import corpus

    bases = [("a", "Police said 12 people were hurt on 3 May 2024."), ("b", "No figures here.")]

    articles = corpus(bases, 6, seed=1)

    texts = [text for _, text in articles]
    assert texts[:2] == [bases[0][1], bases[1][1]]
    assert len(set(texts)) == 6
    assert [name for name, _ in articles] == ["a", "b", "a", "b", "a", "b"]
    assert all("2024" in text for name, text in articles if name == "a")
