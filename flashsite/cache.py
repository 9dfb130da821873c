from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    """Django's Redis client, keeping one `redis.Redis` per connection pool:
    Django's makes a new one for every command, and every request reads its
    session from the cache (a tenth of a card flip went to building them)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    """Django's Redis cache with the client above."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
