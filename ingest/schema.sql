-- The lake's tables. Column meanings, allowed values and GDELT sources: data/README.md.
-- Run once, in the commit that creates the lake.

create table if not exists events (
    event_id              bigint   not null,  -- GLOBALEVENTID
    source                varchar  not null,  -- gdelt1 | gdelt2 | coded: with event_id, the key
    event_date            date     not null,  -- SQLDATE
    actor1_code           varchar,            -- Actor1Code (full CAMEO actor code)
    actor1_name           varchar,            -- Actor1Name
    actor1_cameo_country  varchar,            -- Actor1CountryCode, spaces stripped
    actor1_country        varchar,            -- ISO 3166 alpha-3 where one exists, else the CAMEO code
    actor1_is_state       boolean,            -- false for regions and groups (EUR, AFR, WST...)
    actor1_type           varchar,            -- Actor1Type1Code
    actor2_code           varchar,
    actor2_name           varchar,
    actor2_cameo_country  varchar,
    actor2_country        varchar,
    actor2_is_state       boolean,
    actor2_type           varchar,
    is_root_event         boolean,            -- IsRootEvent
    event_code            varchar  not null,  -- EventCode (CAMEO, 2-4 digits)
    event_base_code       varchar,            -- EventBaseCode
    event_root_code       varchar  not null,  -- EventRootCode (01..20)
    quad_class            tinyint  not null,  -- QuadClass 1..4
    goldstein             double   not null,  -- GoldsteinScale -10..10
    num_mentions          integer,            -- NumMentions
    num_sources           integer,            -- NumSources
    num_articles          integer,            -- NumArticles
    avg_tone              double,             -- AvgTone
    action_geo_type       tinyint,            -- ActionGeo_Type
    action_geo_name       varchar,            -- ActionGeo_FullName
    action_geo_country    varchar,            -- ActionGeo_CountryCode (FIPS 10-4, not ISO)
    action_geo_adm1       varchar,            -- ActionGeo_ADM1Code
    action_geo_lat        double,             -- ActionGeo_Lat
    action_geo_long       double,             -- ActionGeo_Long
    action_geo_feature_id varchar,            -- ActionGeo_FeatureID
    date_added            timestamp,          -- DATEADDED
    source_url            varchar,            -- SOURCEURL
    pair_a                varchar,            -- least(actor1_country, actor2_country): the layout key
    pair_b                varchar             -- greatest(actor1_country, actor2_country)
);

-- Files are written sorted by pair, then date, so a pair query reads few row groups.
alter table events set sorted by (pair_a, pair_b, event_date);

create table if not exists mentions (
    event_id            bigint    not null,  -- GLOBALEVENTID
    event_time          timestamp,           -- EventTimeDate
    mention_time        timestamp not null,  -- MentionTimeDate
    mention_type        tinyint,             -- MentionType 1 web, 2 citation, 3 core, 4 dtic, 5 jstor, 6 non-text
    source_name         varchar,             -- MentionSourceName (outlet)
    url                 varchar   not null,  -- MentionIdentifier
    sentence_id         integer,             -- SentenceID
    actor1_char_offset  integer,
    actor2_char_offset  integer,
    action_char_offset  integer,
    in_raw_text         boolean,             -- InRawText
    confidence          tinyint,             -- Confidence 10..100
    doc_len             integer,             -- MentionDocLen
    doc_tone            double,              -- MentionDocTone
    translation_info    varchar,             -- MentionDocTranslationInfo
    language            varchar              -- ISO 639-3 from srclc:, 'eng' when untranslated
);
alter table mentions set sorted by (event_id);

create table if not exists articles (
    url           varchar not null,  -- the key; links to events.source_url and mentions.url
    title         varchar,
    outlet        varchar,           -- outlet name or domain
    published_at  timestamp,
    language      varchar,           -- ISO 639-1 or 639-3 code as given
    body          varchar
);

create table if not exists countries (
    cameo_code  varchar not null,  -- CAMEO actor country code
    code        varchar not null,  -- ISO 3166 alpha-3 where one exists, else the CAMEO code
    name        varchar not null,  -- English name
    is_state    boolean not null   -- false for regions and groups
);

create table if not exists cameo_codes (
    event_code   varchar not null,  -- CAMEO event code, 2-4 digits
    description  varchar not null,
    base_code    varchar not null,  -- first three digits
    root_code    varchar not null,  -- first two digits
    goldstein    double,            -- GDELT's Goldstein value for the code
    quad_class   tinyint not null   -- GDELT's: roots 01-05 -> 1, 06-09 -> 2, 10-14 -> 3, 15-20 -> 4
);

-- Rollups (ingest/rollups.py): append-only deltas written in the same commit as their events.
create table if not exists pair_month (
    pair_a         varchar not null,  -- the pair, as in events
    pair_b         varchar not null,
    month          date    not null,  -- first day of the event month
    quad_class     tinyint not null,
    root_code      varchar not null,
    both_states    boolean not null,  -- both actors are states (not regions or groups)
    events         bigint  not null,
    corroborated   bigint  not null,  -- events with num_sources > 1
    goldstein_sum  double  not null,
    tone_sum       double,
    tone_rows      bigint  not null,  -- events with a tone
    initiator_is_a boolean            -- the initiator is pair_a: actor 1, or for 043 "host a visit"
                                      -- the guest (actor 2), as queries/pair_activity.sql counts
);

create table if not exists day_volume (
    event_date  date   not null,
    events      bigint not null,      -- all events of the day, any actors
    last_added  timestamp             -- latest DATEADDED among them
);

create table if not exists country_month (
    code    varchar not null,         -- actor country (ISO alpha-3 or CAMEO code)
    month   date    not null,
    events  bigint  not null          -- events with this country as actor 1 or 2 (once each)
);

-- Events coded from articles by ingest/coder (source 'coder'). Kept apart from GDELT's events
-- so that every GDELT count stays a recomputation of GDELT's own files; the Pair page shows
-- them as their own layer. One row per article and pair of countries.
create table if not exists coded_events (
    event_id         bigint  not null,  -- stable hash of coder version, article url and pair
    source           varchar not null,  -- 'coder'
    event_date       date    not null,
    date_basis       varchar not null,  -- explicit | relative (yesterday, Tuesday) | published
    actor1_country   varchar not null,  -- ISO alpha-3; the initiator when direction_known
    actor2_country   varchar not null,
    direction_known  boolean not null,  -- false: the sentence does not say who acted
    event_code       varchar not null,  -- CAMEO code of the cue (its root is what is claimed)
    event_root_code  varchar not null,
    quad_class       tinyint not null,
    goldstein        double  not null,  -- GDELT's value for event_code
    avg_tone         double,            -- the article's document tone (ingest/coder/tone.csv)
    url              varchar not null,  -- the article: links to articles.url
    field            varchar not null,  -- title | body: where the sentence is
    sentence         varchar not null,  -- the sentence the event was coded from
    sentence_start   integer not null,  -- its character offsets in that field
    sentence_end     integer not null,
    confidence       double  not null,  -- 0..1, ranks events (not a probability)
    cue              varchar,           -- the cue words that set the code
    language         varchar,           -- the article's language (given or detected)
    coder_version    varchar not null,
    pair_a           varchar not null,
    pair_b           varchar not null
);

-- One row that every load updates in its commit. Two loads committing at once then conflict
-- and one fails cleanly (nothing committed; run it again): otherwise both could add the same
-- events, since neither one's duplicate check can see the other's uncommitted rows.
create table if not exists ingest_commits (
    commits      bigint      not null,  -- loads committed so far
    last_commit  timestamptz not null   -- when the latest one committed
);

-- What `ingest fetch` took from GDELT's feed: one row per listed file, written in the same
-- commit as the file's rows. The single record of what came from where.
create table if not exists fetched_files (
    url         varchar   not null,  -- as GDELT lists it (whatever mirror served it): the key
    stream      varchar   not null,  -- v2.events | v2.mentions | v2.translation.events | v2.translation.mentions | v1.events
    slot        timestamp not null,  -- UTC: the 15-minute slot (2.0), or the day, month or year a 1.0 file starts
    size        bigint,              -- bytes, as listed
    md5         varchar,             -- as listed
    rows        bigint,              -- rows read from the file
    status      varchar   not null,  -- loaded | failed
    reason      varchar,             -- why it failed, one line
    attempts    integer   not null,  -- fetches that tried it
    snapshot    bigint,              -- the snapshot that loaded it
    fetched_at  timestamp not null   -- UTC
);

-- The windows a fetch looked at, per stream (one row per committed batch): a 15-minute slot
-- inside one with no fetched_files row is one GDELT's own list does not have; outside them,
-- one nobody fetched. The Data page's completeness view reads both tables.
create table if not exists fetch_windows (
    stream         varchar   not null,
    window_start   timestamp not null,  -- UTC, included
    window_end     timestamp not null,  -- UTC, excluded
    newest_listed  timestamp,           -- the newest slot GDELT listed when this fetch ran
    fetched_at     timestamp not null   -- UTC
);
