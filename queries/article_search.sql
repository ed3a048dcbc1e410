-- article_search: articles matching words in their title or body, best match first (BM25).
-- Needs the index queries/search.py attaches as article_index. The query text is folded like the
-- index (case, accents, Arabic letter variants), so a different alef still matches.
-- @param q search                         words to find
-- @param language text = any              only this language code (e.g. en, ar), or any
-- @param outlet text = any                only this outlet, or any
-- @param start date = 1900-01-01          published on or after (articles without a date always pass)
-- @param end date = 2200-12-31            published on or before
-- @param limit int(1,1000) = 50           at most this many articles
with scored as (
    select url, article_index.fts_main_article_search.match_bm25(url, $q) as score
    from article_index.main.article_search
),

final as (
    select a.url, a.title, a.outlet, a.published_at, a.language, a.body, s.score
    from scored s
    join articles a using (url)  -- the lake's articles: a pinned snapshot sees only its own
    where s.score is not null
      and ($language = 'any' or a.language = $language)
      and ($outlet = 'any' or a.outlet = $outlet)
      and (a.published_at is null or a.published_at::date between $start and $end)
    order by s.score desc, a.url
    limit $limit
)

select * from final
