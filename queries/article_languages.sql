-- article_languages: the languages of the stored articles, most common first.
with final as (
    select language, count(*) as articles from articles group by all order by articles desc
)

select * from final
