"""Articles: from a chart mark to the events and articles behind it, and full-text search
over every stored article in English, Arabic and other languages. State lives in the URL."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, url
from dashboard.countries import resolve
from dashboard.highlight import marked, md, plain, text
from dashboard.lake_access import query, require_events, search
from dashboard.languages import language_name
from dashboard.shared import write_url

PAGE_SIZE = 100


def when(value: object) -> str:
    return "date unknown" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


st.title("Articles")
countries = query("countries")
codes = countries["code"].tolist()
names = dict(zip(countries["code"], countries["name"], strict=True))
params = st.query_params.to_dict()
notices: list[str] = []

# --- the selection, from the URL (a click on another page put it there) -----------------------
a_raw, b_raw = url.one(params, "a"), url.one(params, "b")
a = resolve(a_raw, codes, names) if a_raw else None
b = resolve(b_raw, codes, names) if b_raw else None
for raw, code, key in ((a_raw, a, "a"), (b_raw, b, "b")):
    if raw and not code:
        notices.append(f"Unknown country {raw[:40]!r} in '{key}'.")
summary = require_events()
start = url.date(url.one(params, "from")) or summary["first_date"].date()
end = url.date(url.one(params, "to")) or summary["last_date"].date()
if start > end:
    notices.append("'from' is after 'to'; using all dates.")
    start, end = summary["first_date"].date(), summary["last_date"].date()
quad = url.integer(url.one(params, "quad"), 1, 4)
by_raw = url.one(params, "by")  # a directional bar: the country that acted
by = by_raw if by_raw in (a, b) and a != b else None
if by_raw and by is None:
    notices.append(f"'by' must be one of the pair's two countries; ignored {by_raw[:20]!r}.")
code = url.one(params, "code")
if code and not (code.isdigit() and 2 <= len(code) <= 4):
    notices.append(f"'code' must be a CAMEO code such as 042; ignored {code[:20]!r}.")
    code = None
event_raw = url.one(params, "event")
event_id = url.integer(event_raw, 0, 9 * 10**18) if event_raw else None
if event_raw and event_id is None:
    notices.append(f"'event' must be a GDELT event id (a whole number); ignored {event_raw[:30]!r}.")
page = url.integer(url.one(params, "page"), 1, 10**6) or 1
lang_raw = url.one(params, "lang")
source_language = lang_raw.lower() if lang_raw and lang_raw.isascii() and lang_raw.isalpha() and len(lang_raw) == 3 else None
if lang_raw and source_language is None:
    notices.append(f"'lang' must be a 3-letter language code such as ara; ignored {lang_raw[:20]!r}.")
for notice in notices:
    st.warning(md(notice), icon=":material/link_off:")

state: dict[str, str] = {}
# A link that carries a search opens on its results.
events_tab, search_tab = st.tabs(["Events and sources", "Search articles"],
                                 default="Search articles" if url.one(params, "q") else None)

# --- events of the selection ------------------------------------------------------------------
with events_tab:
    if a and b and a != b:
        state.update({"a": a, "b": b, "from": str(start), "to": str(end)})
        if quad:
            state["quad"] = str(quad)
        if by:
            state["by"] = by
        if code:
            state["code"] = code
        target = b if by == a else a
        pair_text = (f"{md(names.get(by, by))} → {md(names.get(target, target))}" if by else
                     f"{md(names.get(a, a))} – {md(names.get(b, b))}")
        what = [pair_text, f"{start} to {end}"]
        if quad:
            what.append(charts.QUAD_CLASSES[quad][0])
        if code:
            what.append(f"CAMEO {code}")
        st.subheader(" · ".join(what))
        languages = query("pair_languages", a=a, b=b, start=start, end=end)
        options = ["any", *languages["language"]]
        if source_language and source_language not in options:
            options.append(source_language)
        chosen = st.selectbox(
            "Reported by sources in", options, index=options.index(source_language or "any"), key="art_source_lang",
            format_func=lambda c: "any language" if c == "any" else
            f"{language_name(c)}" + (" (GDELT translingual)" if c != "eng" else ""),
            help="GDELT 2.0 mentions name each source's language; other languages than English come from "
                 "GDELT's translingual stream (python -m ingest fetch --streams translation).")
        source_language = None if chosen == "any" else chosen
        if source_language:
            state["lang"] = source_language
        selection = {"a": a, "b": b, "start": start, "end": end, "direction": {a: "a_to_b", b: "b_to_a"}.get(by or "", "both"),
                     "quad_classes": [quad] if quad else [1, 2, 3, 4], "event_code": code or "any",
                     "source_language": source_language or "any"}
        rows = query("selection_events", **selection, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        total = int(rows["total_rows"].iloc[0]) if len(rows) else 0
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:
            st.warning(f"There are only {pages} pages; showing page {pages}.")
            page = pages
            rows = query("selection_events", **selection, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        reported = f", reported by {language_name(source_language)}-language sources" if source_language else ""
        directions = (f"initiated by {md(names.get(by, by))} (actor 1; the guest of a visit)" if by
                      else "both directions")
        st.caption(f"{total:,} raw event rows ({directions}){reported}, newest first; page {page} of {pages}. "
                   "Select a row to see its mentions and articles.")
        left, mid, right = st.columns([1, 1, 3], vertical_alignment="bottom")
        page = left.number_input("Page", 1, pages, value=page, key="art_page")
        if page > 1:
            state["page"] = str(page)
        rows = query("selection_events", **selection, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        shown = rows.drop(columns=["total_rows"])
        mid.download_button("CSV of this page", shown.to_csv(index=False), file_name=f"events_{a}_{b}_{start}_{end}_p{page}.csv",
                            mime="text/csv", icon=":material/download:")
        picked = st.dataframe(
            shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="art_events",
            column_config={
                "event_id": st.column_config.NumberColumn("Event id", format="%d"),
                "event_date": st.column_config.DateColumn("Date"),
                "actor1_name": "Actor 1", "actor1_country": "Country 1", "actor2_name": "Actor 2",
                "actor2_country": "Country 2", "event_code": "CAMEO", "event_description": "Event type",
                "quad_class": "Quad", "goldstein": st.column_config.NumberColumn("Goldstein", format="%.1f"),
                "avg_tone": st.column_config.NumberColumn("Tone", format="%.2f"), "num_mentions": "Mentions",
                "num_sources": "Sources", "action_geo_name": "Place",
                "source_url": st.column_config.LinkColumn("Source"), "article_title": "Article title",
            },
        )
        if picked and picked.selection.rows:
            event_id = int(shown.iloc[picked.selection.rows[0]]["event_id"])
        with st.expander("Who reports this pair (mentions)"):
            coverage = query("pair_coverage", a=a, b=b, start=start, end=end, limit=30)
            if coverage.empty:
                st.caption("No GDELT mentions are loaded for these events.")
            else:
                st.caption("GDELT 2.0 mentions of the pair's events: a first report was published in the "
                           "15-minute slot the event was added; an echo came later.")
                st.dataframe(coverage, hide_index=True)
        coded = query("coded_events", a=a, b=b, start=start, end=end, limit=200)
        if len(coded):
            st.markdown(f"**Coded from articles** ({len(coded)})")
            st.caption("Events Bilateral's coder found in stored articles (not GDELT rows), each with the "
                       "sentence it came from.")
            # A long list would bury the rest of the page: three, and the others on request.
            everything = len(coded) <= 3 or st.toggle(f"Show all {len(coded)}", key="art_coded_all")
            for row in (coded if everything else coded.head(3)).itertuples():
                with st.container(border=True):
                    direction = "→" if row.direction_known else "– (direction unknown)"
                    st.html(plain(f"{row.event_date:%Y-%m-%d} · {row.actor1_country} {direction} {row.actor2_country}"
                                  f" · CAMEO {row.event_code} {row.event_description or ''} · confidence "
                                  f"{row.confidence:.2f}"))
                    st.html(f"<blockquote>{plain(row.sentence)}</blockquote>")
                    st.html(f"<strong>{plain(text(row.article_title, '(no title)'))}</strong>")
                    st.caption(f"{md(row.outlet)} · {when(row.published_at)} · language {md(row.language, '?')}")
                    with st.expander("Article text"):
                        st.html(plain(row.article_body))
                    st.link_button("Open original", row.url, icon=":material/open_in_new:")
    elif event_id is None:
        st.info("Open this page from a bar on the Pair page, or a pair on the Network page, to list the "
                "events behind it. Or search the articles in the next tab.")

    # --- one event in detail ----------------------------------------------------------------------
    if event_id is not None:
        state["event"] = str(event_id)
        detail = query("event_detail", event_id=event_id)
        if detail.empty:
            st.warning(f"No event with id {event_id} is loaded.")
        else:
            e = detail.iloc[0]
            st.subheader(f"Event {event_id}")
            st.html(plain(  # names come from the data: plain text, never Markdown
                f"{e['event_date']:%Y-%m-%d} · {e['actor1_name'] or '?'} ({e['actor1_country'] or '–'}) → "
                f"{e['actor2_name'] or '?'} ({e['actor2_country'] or '–'}) · CAMEO {e['event_code']} "
                f"{e['event_description'] or ''} · {charts.QUAD_CLASSES[int(e['quad_class'])][0]} · "
                f"Goldstein {e['goldstein']:+.1f} · {e['num_mentions']} mentions, {e['num_sources']} sources"
            ))
            if isinstance(e["source_url"], str) and e["source_url"].startswith("http"):
                st.link_button("Original article", e["source_url"], icon=":material/open_in_new:")
            mentions = query("event_mentions", event_id=event_id)
            st.markdown(f"**GDELT mentions** ({len(mentions)})")
            if mentions.empty:
                st.caption("No mentions loaded for this event.")
            else:
                st.dataframe(mentions.assign(first_report=mentions["first_report"].map({True: "first report",
                                                                                       False: "echo"})),
                             hide_index=True, column_config={"url": st.column_config.LinkColumn("Article")})
            stored = query("event_articles", event_id=event_id)
            st.markdown(f"**Stored articles** ({len(stored)})")
            for article in stored.itertuples():
                with st.container(border=True):
                    st.html(f"<strong>{plain(text(article.title, '(no title)'))}</strong>")
                    st.caption(f"{md(article.outlet)} · {when(article.published_at)} · language {md(article.language, '?')}")
                    st.html(plain(article.body))
                    st.link_button("Open original", article.url, icon=":material/open_in_new:")

# --- full-text search -----------------------------------------------------------------------------
with search_tab:
    st.session_state.setdefault("art_q", url.one(params, "q") or "")
    st.session_state.setdefault("art_lang", url.one(params, "lang") or "any")
    q = st.text_input("Search titles and bodies", key="art_q", max_chars=200,
                      placeholder="e.g. tariffs, ليبيا, Россия",
                      help="BM25 full-text search. Case, accents and Arabic letter variants (أ/إ/ا, ة/ه, ى/ي, "
                      "harakat, tatweel) are ignored on both sides.")
    languages = ["any", *sorted(query("article_languages")["language"].dropna())]
    if st.session_state.art_lang not in languages:
        st.session_state.art_lang = "any"
    lang = st.selectbox("Language", languages, key="art_lang")
    if q.strip():
        state["q"] = q.strip()
        if lang != "any":
            state["lang"] = lang
        found = search("article_search", q=q, language=lang, limit=100)
        if found is None:
            st.warning("Give at least one word to search for.")
        else:
            st.caption(f"{len(found)} article{'s' if len(found) != 1 else ''} match (best first; at most 100). "
                       "Articles that no event cites are searched too.")
            st.download_button("CSV of these articles", found.drop(columns=["body"]).to_csv(index=False),
                               file_name="articles.csv", mime="text/csv", icon=":material/download:")
            for article in found.itertuples():
                with st.container(border=True):
                    st.html(f"<strong>{marked(article.title or article.url, q, width=200)}</strong>")
                    st.caption(f"{md(article.outlet)} · {when(article.published_at)} · "
                               f"{md(article.language, '?')} · score {article.score:.2f}")
                    st.html(marked(article.body, q))
                    st.link_button("Open original", article.url, icon=":material/open_in_new:")

write_url(state)
