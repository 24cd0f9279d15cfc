"""The HTTP application. AS2 receive, the REST API and the dashboard arrive in later issues."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from gateway.bootstrap import engine_for
from gateway.db import reader
from gateway.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="EDI gateway for vendor collaboration", version="0.1.0")
    engine = engine_for(settings)

    @app.get("/health")
    def health() -> dict[str, str]:
        with reader(engine).connect() as conn:  # never waits on a worker's write lock
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": engine.dialect.name}

    return app
