"""Pair: one relationship read at a glance, both directions, with spikes explained and
every bar clickable down to its events and articles. State lives in the URL."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import charts, pair_state, spikes, url
from dashboard.countries import label
from dashboard.highlight import md, plain
from dashboard.lake_access import most_active_pair, query, require_events
from dashboard.languages import language_name
from dashboard.selection import clicked_bar
from dashboard.shared import with_pin, write_url

COUNT_HELP = {
    "raw": "Raw: every GDELT event row.",
    "dedup": "Deduplicated: rows with the same date, actors, CAMEO code and place count once, and "
    "'host a visit' (043) counts as the guest's 'make a visit' (042): one interaction.",
    "corroborated": "Corroborated: rows reported by more than one source (NumSources > 1).",
}
EVENT_COLUMNS = {
    "event_id": st.column_config.NumberColumn("Event id", format="%d"),
    "event_date": st.column_config.DateColumn("Date"),
    "actor1_country": "A1", "actor1_name": "Actor 1", "actor2_country": "A2", "actor2_name": "Actor 2",
    "event_code": "CAMEO", "event_description": "Event type", "quad_class": "Quad",
    "goldstein": st.column_config.NumberColumn("Goldstein", format="%.1f"),
    "avg_tone": st.column_config.NumberColumn("Tone", format="%.2f"),
    "num_mentions": "Mentions", "num_sources": "Sources", "action_geo_name": "Place",
    "source_url": st.column_config.LinkColumn("Source"), "article_title": "Article title",
}
DATE_BASIS = {"explicit": "dated by the sentence", "relative": "dated from a day word (yesterday, Tuesday) and "
              "the publication date", "published": "dated by its publication date"}
ROOTS = query("cameo_roots")
ROOT_NAMES = dict(zip(ROOTS["root"].astype(int), ROOTS["description"], strict=True))

# --- state: URL -> validated view ---------------------------------------------------------
countries = query("countries")
codes = countries["code"].tolist()
names = dict(zip(countries["code"], countries["name"], strict=True))
summary = require_events()
default_range = (summary["first_date"].date(), summary["last_date"].date())
view = pair_state.parse(st.query_params.to_dict(), codes, lambda: most_active_pair(summary), default_range,
                        names)
if "a" not in st.query_params:  # no pair asked for: open on the pair's own active years
    whole = query("pair_summary", a=view.a, b=view.b, start=default_range[0], end=default_range[1])
    if whole.iloc[0]["events"]:
        view = replace(view, start=whole.iloc[0]["first_event"].date(), end=whole.iloc[0]["last_event"].date())
for notice in view.notices:
    st.warning(md(notice), icon=":material/link_off:")

# Widgets are seeded from the URL once per visit; after that they own the state.
seeds = {"pair_a": view.a, "pair_b": view.b, "pair_range": (view.start, view.end), "pair_grain": view.grain,
         "pair_count": view.count, "pair_split": view.split, "pair_share": view.share,
         "pair_quads": list(view.quads), "pair_roots": list(view.roots),
         "pair_compare": [f"{x}-{y}" for x, y in view.compare], "pair_coded": view.coded}
for key, value in seeds.items():
    st.session_state.setdefault(key, value)


def swap() -> None:
    st.session_state.pair_a, st.session_state.pair_b = st.session_state.pair_b, st.session_state.pair_a


# --- controls -----------------------------------------------------------------------------
st.title("Pair")
row = st.columns([4, 0.6, 4, 4], vertical_alignment="bottom")
a = row[0].selectbox("Country A", codes, key="pair_a", format_func=lambda c: label(c, names.get(c)),
                     help="Type an ISO code or a name in English, Arabic, French, Russian…")
row[1].button("", icon=":material/swap_horiz:", on_click=swap, help="Swap A and B", key="pair_swap")
b = row[2].selectbox("Country B", codes, key="pair_b", format_func=lambda c: label(c, names.get(c)))
picked = row[3].date_input("Event dates", key="pair_range", min_value=url.FIRST_DAY, max_value=url.LAST_DAY)
start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else (view.start, view.end)
row = st.columns([4, 5], vertical_alignment="bottom")
grain = row[0].selectbox(
    "Period", ["auto", *pair_state.GRAINS], key="pair_grain",
    format_func=lambda g: f"auto ({pair_state.auto_grain(view.start, view.end)})" if g == "auto" else g,
)
count = row[1].segmented_control("Count", list(pair_state.COUNTS), key="pair_count", required=True,
                                 help=" ".join(COUNT_HELP.values()))
toggles = st.columns(3)
split = toggles[0].toggle("Mirror B→A", key="pair_split", help="A→B above the axis, B→A below it; off: both stacked.")
share = toggles[1].toggle("Share of total", key="pair_share",
                      help="Divide by every event in the data for the same period, so a rise is not just more news.")
show_coded = toggles[2].toggle("Coded events", key="pair_coded",
                           help="Events Bilateral's coder found in the articles you loaded (python -m ingest "
                           "articles): diamonds on the axis and a list below. They are not GDELT rows and are "
                           "never added to the counts.")
filters_box = st.expander("Filters and comparison", key="pair_filters_open", on_change="rerun")
with filters_box:
    quads = st.multiselect("Quad classes", [1, 2, 3, 4], key="pair_quads",
                           format_func=lambda q: f"{q} {charts.QUAD_CLASSES[q][0]}")
    roots = st.multiselect("CAMEO root codes", list(range(1, 21)), key="pair_roots",
                           format_func=lambda r: f"{r:02d} {ROOT_NAMES.get(r, '')}")
    options = set(st.session_state.pair_compare)
    if filters_box.open:  # the busiest pairs to compare with, only once someone looks (a query less per view)
        # Whole months around the window: answered from the rollup (fast at 100M).
        partners = query("top_pairs", start=start.replace(day=1),
                         end=(pd.Timestamp(end) + pd.offsets.MonthEnd(0)).date(), limit=40, states_only="true")
        options |= {f"{x}-{y}" for x, y in zip(partners["country_a"], partners["country_b"], strict=True)}
    options = sorted(options)
    compare = st.multiselect("Compare with up to four more pairs", options, key="pair_compare",
                             max_selections=pair_state.MAX_COMPARE)

if a == b:
    st.info("Pick two different countries.")
    st.stop()
view = replace(view, a=a, b=b, start=start, end=end, grain=grain, count=count, split=split, share=share,
               quads=tuple(sorted(quads)) or (1, 2, 3, 4), roots=tuple(sorted(roots)) or tuple(range(1, 21)),
               compare=tuple(tuple(p.split("-")) for p in compare), coded=show_coded)
grain = view.effective_grain
name_a, name_b = names.get(a, a), names.get(b, b)
filters = {"quad_classes": list(view.quads), "root_codes": list(view.roots)}
st.page_link("dashboard/pages/alerts.py", label="Watch this pair", icon=":material/add_alert:",
             query_params={"a": a, "b": b}, help="Get an e-mail or chat message when this relationship moves")

# --- headline numbers ----------------------------------------------------------------------
now = query("pair_summary", a=a, b=b, start=start, end=end, **filters).iloc[0]
length = end - start
before_start, before_end = url.previous_window(start, end)
# A previous window wholly before the loaded data has nothing to compare with: no delta, no query.
before = (query("pair_summary", a=a, b=b, start=before_start, end=before_end, **filters).iloc[0]
          if before_end >= summary["first_date"].date() else None)
kpis = st.columns(4)
change = None if before is None else int(now["events"] - before["events"])
# More events is neither good nor bad news: the change is shown in grey, with no arrow when nil.
kpis[0].metric("Events (raw rows)", f"{now['events']:,}",
               delta=f"{change:+,} vs previous {length.days + 1} days" if change is not None else None,
               delta_color="off", delta_arrow="off" if change == 0 else "auto",
               help=f"Both directions, {start} to {end}. {now['corroborated_events']:,} were reported by "
               "more than one source." + ("" if before is not None else
                                          f" No data is loaded before {summary['first_date']:%Y-%m-%d} to compare with."))
kpis[1].metric("Mean Goldstein", "–" if pd.isna(now["goldstein_mean"]) else f"{now['goldstein_mean']:+.2f}",
               help="Net cooperation: mean Goldstein score, −10 (conflict) to +10 (cooperation).")
kpis[2].metric("Conflict share", "–" if pd.isna(now["conflict_share"]) else f"{now['conflict_share']:.0%}",
               help="Share of events in quad classes 3-4 (verbal and material conflict).")
kpis[3].metric("Latest event", "–" if pd.isna(now["last_event"]) else f"{now['last_event']:%Y-%m-%d}")

# --- sources by language ---------------------------------------------------------------------
languages = query("pair_languages", a=a, b=b, start=start, end=end)
if len(languages):
    translated = languages.loc[languages["translated"], "mentions"].sum()
    total_mentions = int(languages["mentions"].sum())
    shares = ", ".join(f"{language_name(r.language)} {r.share:.0%}" for r in languages.head(5).itertuples())
    st.caption(f"Sources by language: {shares}. {translated / total_mentions:.0%} of the {total_mentions:,} GDELT "
               "mentions of these events come from non-English sources, machine-translated by GDELT's "
               "translingual stream.")
    others = languages[languages["translated"]].head(4)
    if len(others):
        cols = st.columns(len(others))
        for col, r in zip(cols, others.itertuples(), strict=True):
            col.page_link("dashboard/pages/articles.py", label=f"{language_name(r.language)}-language sources only",
                          icon=":material/translate:",
                          query_params=with_pin({"a": a, "b": b, "from": str(start), "to": str(end),
                                                 "lang": r.language}))
else:
    st.caption("No GDELT mentions are loaded for these events, so the languages of their sources are not known.")

# --- timeline --------------------------------------------------------------------------------
activity = query("pair_activity", a=a, b=b, start=start, end=end, grain=grain, count=view.count, **filters)
coded = (query("coded_events", a=a, b=b, start=start, end=end, limit=200)
         if view.coded and summary["coded_events"] else None)
volume = query("volume_by_period", start=start, end=end, grain=grain) if view.share else None
flagged = spikes.find_spikes(spikes.per_period(activity, start, end, grain)) if len(activity) else pd.DataFrame()
st.caption(f"{COUNT_HELP[view.count]} Per {grain}, {start} to {end}. Click a bar to list its events.")
has_coded = coded is not None and len(coded) > 0
if activity.empty:
    coded_note = " Events coded from articles are shown and listed below." if has_coded else ""
    st.info(f"No GDELT events between {name_a} and {name_b} from {start} to {end} with these filters.{coded_note}")
if not activity.empty or has_coded:  # coded events alone still get their timeline
    event = st.plotly_chart(
        charts.pair_timeline(activity, name_a, name_b, split=view.split, volume=volume, spikes=flagged,
                             count_label=f"{view.count} events", coded=coded, grain=grain, window=(start, end)),
        key="pair_timeline_chart", on_select="rerun", selection_mode="points",
    )
    picked_bar = clicked_bar(event)
    if picked_bar:
        by = {"a_to_b": a, "b_to_a": b}.get(picked_bar.direction or "")
        view = replace(view, period=picked_bar.period, quad=picked_bar.quad, initiator=by)
# The clicked bar's events go right under the chart, where the user looks (filled at the end of
# the run, once the spike cards' buttons have had their say).
drill_box = st.container()
if view.initiator not in (None, a, b):  # the pair changed since: the direction no longer applies
    view = replace(view, initiator=None)

# --- events coded from stored articles ----------------------------------------------------------
if coded is not None and len(coded):
    st.subheader(f"Coded from articles ({len(coded)})")
    st.caption("Found by Bilateral's article coder in articles loaded with `python -m ingest articles`, one per "
               "article and pair; not GDELT rows, not in the counts above. Confidence ranks them (0–1); "
               "direction is given only where the sentence shows who acted.")
    # A long list would push the spikes off the screen: more than three fold away.
    listing = st.expander(f"Show {min(len(coded), 20)} of them, by date") if len(coded) > 3 else st.container()
    for row_ in coded.head(20).itertuples():
        with listing, st.container(border=True):
            arrow = (f"{names.get(row_.actor1_country, row_.actor1_country)} → "
                     f"{names.get(row_.actor2_country, row_.actor2_country)}" if row_.direction_known
                     else f"{names.get(row_.actor1_country, row_.actor1_country)} – "
                     f"{names.get(row_.actor2_country, row_.actor2_country)} (direction unknown)")
            st.html(plain(f"{row_.event_date:%Y-%m-%d} · {arrow} · CAMEO {row_.event_code} "
                          f"{row_.event_description or ''} · confidence {row_.confidence:.2f}"))
            st.html(plain(row_.sentence))  # dir=auto: Arabic reads right to left
            st.caption(f"{md(row_.outlet)} · {md(row_.language, '?')} · {DATE_BASIS[row_.date_basis]}")
            st.page_link("dashboard/pages/articles.py", label="Open the article", icon=":material/article:",
                         query_params=with_pin({"a": a, "b": b, "from": str(row_.event_date), "to": str(row_.event_date)}))

# --- compare --------------------------------------------------------------------------------
if view.compare:
    st.subheader("Compared pairs")
    series = {}
    for x, y in ((a, b), *view.compare):
        rows = query("pair_activity", a=x, b=y, start=start, end=end, grain=grain, count=view.count, **filters)
        per = rows.groupby("period", as_index=False)["events"].sum().rename(columns={"events": "value"})
        if volume is not None and len(per):
            per["value"] = per["value"] / per["period"].map(volume.set_index("period")["events"]) * 100
        series[f"{names.get(x, x)} – {names.get(y, y)}"] = per
    st.plotly_chart(charts.compare_lines(series, "% of all events" if view.share else f"{view.count} events"),
                    key="pair_compare_chart")

# --- spikes ---------------------------------------------------------------------------------
st.subheader("Spikes")
st.caption(
    f"Periods whose events or conflict share stand ≥ {spikes.THRESHOLD} robust z-scores above the pair's "
    f"median of the previous {spikes.WINDOW} {grain}s (MAD spread; at least {spikes.MIN_EVENTS} events)."
)
if flagged.empty:
    st.write("No spikes in this range.")
shown = flagged.head(6)
card_rows = pd.DataFrame(columns=["section", "day"])
if len(shown):
    spike_starts = sorted({period.date() for period in shown["period"]})
    card_rows = query("pair_spike_cards", a=a, b=b, periods=tuple(spike_starts), start=spike_starts[0],
                      end=pair_state.period_end(spike_starts[-1], grain), grain=grain, limit=5)
    card_rows["day"] = pd.to_datetime(card_rows["period"]).dt.date
for spike in shown.itertuples():
    p_start = spike.period.date()
    p_end = pair_state.period_end(p_start, grain)
    with st.container(border=True):
        if spike.kind == "volume":
            st.markdown(f"**{p_start:%Y-%m-%d}** ({grain}) · **{spike.events:,} events** against a usual "
                        f"{spike.baseline:.0f} (z = {spike.z:.1f})")
        else:
            st.markdown(f"**{p_start:%Y-%m-%d}** ({grain}) · **conflict share {spike.conflict_share:.0%}** "
                        f"against a usual {spike.baseline_share:.0%} (z = {spike.z:.1f}), {spike.events:,} events")
        left, right = st.columns(2)
        card = card_rows[card_rows["day"] == p_start]
        codes_top = card[card["section"] == "code"]
        left.dataframe(codes_top[["event_code", "description", "events"]], hide_index=True,
                       column_config={"event_code": st.column_config.TextColumn("CAMEO", width="small"),
                                      "description": st.column_config.TextColumn("Event type", width="medium"),
                                      "events": st.column_config.NumberColumn("Events", width="small")})
        sources = card[card["section"] == "source"]
        if sources.empty:
            right.caption("No source URLs: GDELT 1.0 backfile rows (before April 2013) carry none.")
        else:
            right.dataframe(sources[["outlet", "source_url", "events"]], hide_index=True,
                            column_config={"outlet": "Outlet", "source_url": st.column_config.LinkColumn("Article"),
                                           "events": "Events"})
        if st.button("Show these events", key=f"spike_{p_start}_{spike.kind}"):
            view = replace(view, period=p_start, quad=None, initiator=None)

# --- drill-down -------------------------------------------------------------------------------
if view.period:
    # The bar that holds the selected day at the current grain (the grain may have changed since).
    view = replace(view, period=pair_state.period_start(view.period, grain))
# The view is final: into the URL before the drill-down's link is drawn. Written last, a click
# on that link while this run was still going put the Pair page's state on the Articles URL.
write_url(view.params())
if view.period:
    p_end = pair_state.period_end(view.period, grain)
    quads = [view.quad] if view.quad else list(view.quads)
    other = b if view.initiator == a else a
    arrow = (None if view.initiator is None else
             f"{names.get(view.initiator, view.initiator)} → {names.get(other, other)}")
    quad_name = charts.QUAD_CLASSES[view.quad][0] if view.quad else None
    mark = " · ".join(x for x in (arrow, quad_name) if x)  # what was clicked, as the heading says
    direction = {None: "both", a: "a_to_b", b: "b_to_a"}[view.initiator]
    drill = {"a": a, "b": b, "start": view.period, "end": p_end, "direction": direction, "quad_classes": quads,
             "root_codes": list(view.roots)}
    rows = query("selection_events", **drill, limit=500)
    total = int(rows["total_rows"].iloc[0]) if len(rows) else 0
    rows = rows.drop(columns="total_rows")
    with drill_box, st.container(border=True):
        st.subheader(f"Events {view.period:%Y-%m-%d} – {p_end:%Y-%m-%d}" + (f" · {mark}" if mark else ""))
        counted = ("" if view.count == "raw" else
                   f" The bar counts {view.count} events; these are the raw rows behind it.")
        listed = " · ".join(x for x in (arrow or f"{name_a} – {name_b}, both directions", quad_name) if x)
        st.caption(f"{total:,} raw event rows: {listed}" + (", the newest 500 shown." if total > 500 else ".")
                   + counted)
        articles_link = {"a": a, "b": b, "from": str(view.period), "to": str(p_end)}
        if view.quad:
            articles_link["quad"] = str(view.quad)
        if view.initiator:
            articles_link["by"] = view.initiator
        st.page_link("dashboard/pages/articles.py", label="Open these events and their articles",
                     icon=":material/article:", query_params=with_pin(articles_link))
        st.dataframe(rows, hide_index=True, key="pair_drilldown", column_config=EVENT_COLUMNS, height=300)
