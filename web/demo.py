"""Demo data: filled in below."""
def load_demo(session, engine, echo):
    echo("demo data not yet available")
