"""Password hashing (argon2), access tokens (JWT, HS256) and activation codes."""

import asyncio
import functools
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from config import Settings, get_settings

_hasher = PasswordHasher()
# The console carries the same access token as the API, in this HttpOnly cookie.
SESSION_COOKIE = "jy_session"
# Activation codes: no 0/O, 1/I/L, so a code read off paper or a phone screen is typed right.
# 12 of 31 symbols: about 59 bits, out of reach of the throttled login.
ACTIVATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACTIVATION_CODE_LENGTH = 12


class MissingSecretKey(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "SECRET_KEY is not set and var/secret_key does not exist: set SECRET_KEY (e.g. `openssl rand -hex 32`) "
            "or start with `make run`, which generates var/secret_key once"
        )


def signing_key(settings: Settings) -> str:
    """The key that signs tokens; there is no default to fall back on."""
    if not settings.secret_key:
        raise MissingSecretKey()
    return settings.secret_key


@functools.cache
def _argon2_threads() -> ThreadPoolExecutor:
    """argon2 takes tens of milliseconds of CPU and 64 MiB by design: off the event loop, in these
    few threads. A burst of logins waits its turn here, instead of taking every core (the loop's
    too) and memory, and the default executor's threads stay free for everything else."""
    return ThreadPoolExecutor(get_settings().password_check_threads, thread_name_prefix="argon2")


async def _in_argon2_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(_argon2_threads(), function, *args)


async def hash_password(password: str) -> str:
    return await _in_argon2_thread(_hasher.hash, password)


@functools.cache
def unmatchable_hash() -> str:
    """A hash no password matches: checked when a login has none, so that a wrong username or a
    login not yet activated takes as long to refuse as a wrong password."""
    return _hasher.hash(secrets.token_hex(32))


async def verify_password(password: str, password_hash: str) -> bool:
    try:
        return await _in_argon2_thread(_hasher.verify, password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    version: int  # the user's token_version when it was issued


def create_access_token(*, user_id: int, token_version: int, settings: Settings) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=settings.access_token_minutes)
    claims = {"sub": str(user_id), "ver": token_version, "exp": expires}
    return jwt.encode(claims, signing_key(settings), algorithm="HS256")


def token_claims(token: str, *, settings: Settings) -> TokenClaims | None:
    """Who a valid, unexpired token was issued to; None for anything else."""
    try:
        payload = jwt.decode(token, signing_key(settings), algorithms=["HS256"], options={"require": ["exp"]})
        return TokenClaims(user_id=int(payload["sub"]), version=int(payload["ver"]))
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


def new_activation_code() -> str:
    return "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))


def formatted_activation_code(code: str) -> str:
    """In groups of four, as printed and mailed: ABCD-EFGH-JKMN."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def activation_code_digest(code: str) -> str:
    """SHA-256 of the code as typed, whatever the case, spaces or dashes: what is stored."""
    normalized = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalized.encode()).hexdigest()
