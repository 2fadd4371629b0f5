"""Demo data: a realistic desk (catalogue, people, a year of incidents) for evaluation and benchmarks.

``profile`` holds the distributions (read from the data files in ``data/``) and the generator;
``loader`` fills a database with them through the services. This module itself stays light: the
command line and the composition root import it at start-up.
"""

# incidents loaded on a first start of an empty database (`make run`)
FIRST_START_INCIDENTS = 2000
