from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOWASPHasher(Argon2PasswordHasher):
    """
    Argon2id with OWASP's recommended minimum: m=19 MiB, t=2, p=1.

    Django's own Argon2 defaults (m=100 MiB, t=2, p=8) cost more memory and
    CPU per login than a small deployment needs; OWASP's first configuration
    keeps the same security level. Hashes made with other parameters are
    upgraded on the next successful login (``must_update``).
    """

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
