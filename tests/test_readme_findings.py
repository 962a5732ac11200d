"""The README's findings block is generated: copied from results/paper/findings.md, never typed."""

from pathlib import Path

import pytest

from irgan.report.readme import BEGIN, END, FindingsBlockError, main, replace_block

README = Path(__file__).resolve().parents[1] / "README.md"
FINDINGS = Path(__file__).resolve().parents[1] / "paper" / "findings.md"


def test_the_readme_has_exactly_one_generated_block():
    text = README.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert text.index(BEGIN) < text.index(END)


def test_the_block_is_replaced_and_the_rest_kept(tmp_path):
    readme = f"# title\n\nbefore\n{BEGIN}\nold 0.3655\n{END}\nafter\n"
    findings = "<!-- the template's note -->\nnew 0.3740\n"
    updated = replace_block(readme, findings)
    assert updated == f"# title\n\nbefore\n{BEGIN}\nnew 0.3740\n{END}\nafter\n"
    assert replace_block(updated, findings) == updated  # idempotent

    readme_path, findings_path = tmp_path / "README.md", tmp_path / "findings.md"
    readme_path.write_text(readme)
    findings_path.write_text(findings)
    args = ["--readme", str(readme_path), "--findings", str(findings_path)]
    assert main([*args, "--check"]) == 1
    assert main(args) == 0 and "new 0.3740" in readme_path.read_text()
    assert main([*args, "--check"]) == 0


def test_missing_or_doubled_markers_are_one_clear_error(tmp_path, capsys):
    with pytest.raises(FindingsBlockError, match="exactly one findings block"):
        replace_block("no markers here\n", "x\n")
    with pytest.raises(FindingsBlockError):
        replace_block(f"{END}\n{BEGIN}\n", "x\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"{BEGIN}\n{BEGIN}\n{END}\n")
    (tmp_path / "findings.md").write_text("x\n")
    assert main(["--readme", str(readme), "--findings", str(tmp_path / "findings.md")]) == 2
    assert "README.md: needs exactly one findings block" in capsys.readouterr().err
    assert main(["--readme", str(readme), "--findings", str(tmp_path / "none.md")]) == 2


def test_the_findings_template_holds_no_number_typed_by_hand():
    import re

    text = FINDINGS.read_text()
    assert not re.findall(r"\d\.\d{2,}", text)
    assert "{{ ledger_table }}" in text and "{{ findings | join(\" \") }}" in text
