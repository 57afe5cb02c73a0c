"""``tradewar read ARTICLE.txt [--date D] [--json] [--simulate]``: the article reader's command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from tradewar.errors import TradewarError

VERDICT_STYLE = {"right": "green", "misattributed": "yellow", "inaccurate": "red", "unverifiable": "dim"}


def _fmt(v, suffix="") -> str:
    return "" if v is None else f"{v:g}{suffix}"


def _evidence(v, full: bool) -> str:
    rows = v.rows if full else [r.split(" (", 1)[0] for r in v.rows]
    out = v.statement
    if rows:
        out += f"\n[dim]{'; '.join(rows)}[/dim]"
    if v.note:
        out += f"\n[italic]{v.note}[/italic]"
    return out


def print_report(report, console: Console, show_rows: bool = False) -> None:
    console.print(f"[bold]{report.source}[/bold]: {len(report.sentences)} sentences; article date "
                  f"[bold]{report.article_date or 'unknown'}[/bold] ({report.date_basis})", highlight=False)
    ev = Table(title="Events", title_justify="left", show_lines=True)
    for col, ratio in (("id", 1), ("event (and the sentence it came from)", 5), ("verdict", 2), ("the data say", 6)):
        ev.add_column(col, overflow="fold", ratio=ratio)
    for e, v in report.events:
        rate = "" if e.rate_after is None and e.rate_before is None else \
            f"{_fmt(e.rate_before, '%') or '?'} → {_fmt(e.rate_after, '%') or '?'}"
        if e.rate_before is None and e.rate_after is not None:
            rate = _fmt(e.rate_after, "%")
        what = " ".join(x for x in (rate, f"on ${e.coverage_usd_bn:g}bn" if e.coverage_usd_bn else "") if x)
        head = f"[bold]{e.actor or '?'} → {e.target or '–'}: {e.action}{f' ({e.direction})' if e.direction else ''}[/bold]"
        head += f" {what}" if what else ""
        head += f"\n{e.modality}{f' ({e.hedge})' if e.hedge else ''}"
        if e.date:
            head += f"; date {e.date.label} ('{e.date.text}')"
        head += f"\n[dim]{e.sentence + 1}: {report.sentences[e.sentence].text}[/dim]"
        style = VERDICT_STYLE[v.verdict]
        ev.add_row(e.id, head, f"[{style}]{v.verdict}[/{style}]", _evidence(v, show_rows))
    console.print(ev)
    fig = Table(title="Figures", title_justify="left", show_lines=True)
    for col, ratio in (("id", 1), ("figure (and the sentence it came from)", 5), ("verdict", 2), ("the data say", 6)):
        fig.add_column(col, overflow="fold", ratio=ratio)
    for f, v in report.figures:
        style = VERDICT_STYLE[v.verdict]
        q = f"{f.quantity or '?'} with {f.partner or '?'}, {f.period or '?'}"
        head = f"[bold]{f.fragment}[/bold] ({f.kind}{', ' + f.direction if f.direction else ''}): {q}"
        if f.attribution == "context":
            head += "\n[italic]attributed from context[/italic]"
        head += f"\n[dim]{f.sentence + 1}: {report.sentences[f.sentence].text}[/dim]"
        fig.add_row(f.id, head, f"[{style}]{v.verdict}[/{style}]", _evidence(v, show_rows))
    console.print(fig)
    counts = {}
    for _, v in [*report.events, *report.figures]:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    console.print("verdicts: " + (", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none"))
    for n in report.notes:
        console.print(f"note: {n}")


def read_cmd(
    article: str = typer.Argument(..., help="A plain-text (UTF-8) article file, or - for standard input."),
    date: Optional[str] = typer.Option(None, "--date", help="The article's date (YYYY-MM-DD); default: inferred from the text."),
    json_out: bool = typer.Option(False, "--json", help="Print events, figures and verdicts as JSON."),
    simulate: bool = typer.Option(False, "--simulate", help="Build a scenario from the tariff measures and run it."),
    threats: bool = typer.Option(False, "--threats", help="With --simulate: include threatened tariffs."),
    basis: str = typer.Option("article", "--basis", help="With --simulate: 'article' (numbers as stated) or 'data' (the matched timeline rows)."),
    rows: bool = typer.Option(False, "--rows", help="Show each source row in full (default: file:line)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data directory (default: $TRADEWAR_DATA or ../shared/data)."),
):
    """Read a news article: events and figures, each checked against the shared data."""
    from tradewar.news.dates import parse_date
    from tradewar.news.reader import read

    if basis not in ("article", "data"):
        raise TradewarError(f"--basis: must be 'article' or 'data' (got {basis!r})")
    if not simulate and (threats or basis != "article"):
        raise TradewarError(f"{'--threats' if threats else '--basis'}: only used with --simulate (add --simulate)")
    on = None
    if date is not None:
        try:
            on = parse_date(date)
        except ValueError as exc:
            raise TradewarError(f"--date: {exc}") from None
    report = read(article, on=on, data=data)
    outcome = scen = plan = None
    if simulate:
        from tradewar.news.simulate import simulate as run_sim

        outcome, scen, plan = run_sim(report, threats=threats, basis=basis, data=data)
    if json_out:
        payload = report.as_dict()
        if simulate:
            payload["simulation"] = {"scenario": scen.model_dump(mode="json"), **plan.as_dict(),
                                     "outcome": json.loads(outcome.to_json())}
        sys.stdout.write(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        return
    from tradewar.cli import out

    print_report(report, out, rows)
    if simulate:
        from tradewar.render import print_outcome

        out.print(f"\n[bold]Scenario[/bold] {scen.name}: " + scen.description, highlight=False)
        if plan.skipped:
            out.print(f"[dim]not modelled: {'; '.join(plan.skipped)}[/dim]", highlight=False)
        pairs = list(dict.fromkeys(c for m in plan.measures for c in (m.importer, m.exporter)))
        others = outcome.countries.drop(index=pairs, errors="ignore")["welfare"].abs().sort_values(ascending=False)
        print_outcome(outcome, out, pairs + list(others.index[:4]))


def register(app: typer.Typer) -> None:
    app.command("read")(read_cmd)
