"""create_app(): the FastAPI application over casework, configured only from its arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis import Redis

from casework.loop import Loop
from casework.runtime import Runtime
from casework.settings import Settings, get_settings
from hashing.videos import FOUND_VIDEO_MAX_BYTES
from service.accesslog import AccessLog
from service.api import (
    cases,
    health,
    monitoring,
    notifications,
    platforms,
    reports,
    video_checks,
    videos,
)
from service.api.video_schemas import MAX_CASE_VIDEO_BYTES
from service.bodies import BodySizeLimit
from service.console.pages import render_error
from service.console.site import install_console
from service.errors import install_error_handlers
from service.metrics import Metrics
from service.ratelimits import RateLimiter, async_twin
from service.uploads import UploadHasher
from service.verified_keys import VerifiedKeys
from service.web import pages
from service.web.docs import install_docs
from service.web.headers import SecurityHeaders
from workers.queues import connect

MAX_BODY_BYTES = 2 * 1024 * 1024


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, redis: Redis | None = None
) -> FastAPI:
    """Build the application; nothing is read from the environment unless both are None."""
    runtime = runtime or Runtime.build(settings or get_settings())
    redis = redis or connect(runtime.settings.redis_url)
    metrics = Metrics(redis)
    settings = runtime.settings
    hasher = UploadHasher(
        processes=settings.check_image_processes,
        waiting=settings.check_image_waiting,
        memory_bytes=settings.check_image_memory_mb * 2**20,
    )

    # Loads the bank index, then follows the checkpoint; /readyz reads its last success.
    refresher = Loop(
        "bank-index",
        partial(refresh_index, runtime, metrics),
        interval_seconds=settings.index_refresh_seconds,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        refresher.start()
        # Checks spend their budgets from the event loop, on a client of this loop's own.
        budgets = async_twin(redis)
        app.state.rate_limiter.use_async(budgets)
        try:
            yield
        finally:
            app.state.rate_limiter.use_async(None)
            await budgets.aclose()
            refresher.stop(join_seconds=10)
            # Here, not at exit: uvicorn ends a worker by re-raising the signal it caught, which
            # skips atexit, and the last process to let go of the bank snapshot removes it.
            runtime.bank.release()
            metrics.process_stopped()
            hasher.close()

    app = FastAPI(
        title="takedown",
        version="0.1.0",
        summary="Hash-only matching and takedown requests for non-consensual intimate imagery",
        lifespan=lifespan,
        # /docs is served from this origin by install_docs; ReDoc would load from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.redis = redis
    app.state.metrics = metrics
    app.state.index_refresher = refresher
    app.state.rate_limiter = RateLimiter(redis)
    app.state.verified_keys = VerifiedKeys(redis)
    # Revocations committed by this process (and by the CLI, which watches too) reach all.
    app.state.verified_keys.watch(runtime.sessions)
    app.state.upload_hasher = hasher
    app.add_middleware(
        BodySizeLimit,
        max_bytes=MAX_BODY_BYTES,
        # Uploads to check are images; they are hashed in memory under the same pixel caps.
        per_path={
            platforms.CHECK_IMAGE_PATH: runtime.settings.check_image_max_bytes,
            video_checks.CHECK_VIDEO_FILE_PATH: FOUND_VIDEO_MAX_BYTES,
            # A victim's video brings its crops' fingerprints too.
            videos.CASE_VIDEOS_PATH: MAX_CASE_VIDEO_BYTES,
        },
    )
    app.add_middleware(SecurityHeaders)
    # Outermost, so that refusals by the body cap and errors are logged and counted too.
    app.add_middleware(AccessLog, metrics=metrics)
    install_error_handlers(app, html_pages={"/console/": render_error})
    # Routes are matched router by router in this order, and no path of one router matches
    # another's: the routes platforms call on every upload, and the health checks, come first.
    app.include_router(platforms.router)
    app.include_router(video_checks.platforms)
    app.include_router(health.router)
    install_console(app, runtime)
    app.include_router(monitoring.router)
    app.include_router(cases.router)
    app.include_router(notifications.router)
    app.include_router(reports.router)
    app.include_router(videos.victims)
    app.include_router(pages.router)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app


def refresh_index(runtime: Runtime, metrics: Metrics) -> None:
    """Bring the bank index up to the committed checkpoint: one step of the refresher."""
    with runtime.sessions() as session:
        runtime.bank.refresh(session)
    metrics.observe_bank(runtime.bank)
