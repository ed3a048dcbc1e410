"""pair_timeline's numbers computed by Spark from an export (python -m ingest export).

An example of the hand-off to a distributed engine: Spark reads the exported Parquet and
nothing else, and gives the Pair page's numbers for that snapshot. tests/test_export.py
checks it against the query runner. Runs in local mode; needs `pip install pyspark` and Java 17.

    python docs/spark_pair_timeline.py EXPORT_DIR --a USA --b CHN --start 2018-01-01 \\
        --end 2018-06-30 [--grain month] [--direction both] > timeline.csv
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--grain", default="month", choices=["day", "week", "month", "quarter", "year"])
    parser.add_argument("--direction", default="both", choices=["a_to_b", "b_to_a", "both"])
    args = parser.parse_args()
    manifest = json.loads((args.export / "manifest.json").read_text())

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (SparkSession.builder.master("local[1]").appName("bilateral-pair-timeline")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        events = spark.read.parquet(str(args.export / manifest["tables"]["events"]["file"]))
        a, b = args.a, args.b
        forward = (F.col("actor1_country") == a) & (F.col("actor2_country") == b)
        backward = (F.col("actor1_country") == b) & (F.col("actor2_country") == a)
        direction = {"a_to_b": forward, "b_to_a": backward, "both": forward | backward}[args.direction]
        timeline = (
            events.where((F.col("pair_a") == min(a, b)) & (F.col("pair_b") == max(a, b))
                         & F.col("event_date").between(args.start, args.end) & direction)
            .groupBy(F.to_date(F.date_trunc(args.grain, "event_date")).alias("period"), "quad_class")
            .agg(F.count("*").alias("events"), F.avg("goldstein").alias("goldstein_mean"),
                 F.avg("avg_tone").alias("tone_mean"))
            .orderBy("period", "quad_class")
        )
        print("period,quad_class,events,goldstein_mean,tone_mean")
        for row in timeline.collect():
            print(f"{row.period},{row.quad_class},{row.events},{row.goldstein_mean!r},{row.tone_mean!r}")
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
