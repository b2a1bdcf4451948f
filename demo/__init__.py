"""The demo data generator (not installed): ``python demo/make_demo_data.py`` rewrites monitor/demo_data/."""
