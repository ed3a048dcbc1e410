-- cameo_roots: the twenty CAMEO root codes with their descriptions, for filters named in words.
with final as (
    select root_code as root, description
    from cameo_codes
    where length(event_code) = 2
    order by root
)

select * from final
