"""The world a fresh Transfer double starts with, so ``mockglobus serve`` is useful at once.

- a GCSv5 endpoint hosting the two tutorial collections (public, every identity is
  mapped to its own account with a home under ``/home/<user>/``, and three 4-byte
  files under ``/home/share/godata/``), with the ids of the real tutorial collections;
- a university GCSv5 endpoint with a mapped collection that requires a ``data_access``
  consent and holds a few large synthetic files;
- a Globus Connect Personal endpoint of a demo user with a guest collection readable
  by every authenticated user.

All ids are derived from names (uuid5), so they are the same after every reset.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from mockglobus.transfer.access import Caller

if TYPE_CHECKING:
    from mockglobus.transfer.building import Building

_NS = uuid.UUID("5f0e0a5e-6c6f-4f59-9b1a-3a8e6d2f7c11")

TUTORIAL_ENDPOINT_ID = str(uuid.uuid5(_NS, "tutorial-endpoint"))
TUTORIAL_COLLECTION_1 = "6c54cade-bde5-45c1-bdea-f4bd71dba2cc"
TUTORIAL_COLLECTION_2 = "31ce9ba0-176d-45a5-add3-f37d233ba47d"
RESEARCH_ENDPOINT_ID = str(uuid.uuid5(_NS, "research-endpoint"))
RESEARCH_COLLECTION_ID = str(uuid.uuid5(_NS, "research-collection"))
DEMO_GCP_ID = str(uuid.uuid5(_NS, "demo-gcp"))
DEMO_GUEST_ID = str(uuid.uuid5(_NS, "demo-guest"))
DEMO_USER = Caller(str(uuid.uuid5(_NS, "demo-user")), "demo@globusid.org")
TUTORIAL_ADMIN = Caller(str(uuid.uuid5(_NS, "tutorial-admin")), "go@globusid.org")
TUTORIAL_FILES = {"file1.txt": b"abc\n", "file2.txt": b"def\n", "file3.txt": b"ghi\n"}
SEED_TIME = 1_702_918_370.0  # 2023-12-18 16:52:50 UTC

__all__ = [
    "DEMO_GCP_ID",
    "DEMO_GUEST_ID",
    "DEMO_USER",
    "RESEARCH_COLLECTION_ID",
    "RESEARCH_ENDPOINT_ID",
    "TUTORIAL_ADMIN",
    "TUTORIAL_COLLECTION_1",
    "TUTORIAL_COLLECTION_2",
    "TUTORIAL_ENDPOINT_ID",
    "TUTORIAL_FILES",
    "seed_default_world",
]


def _role_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "role:" + ":".join(parts)))


def seed_default_world(building: Building) -> None:
    from mockglobus.transfer.endpoint_ops import DEFAULT_SUBSCRIPTION_ID
    from mockglobus.transfer.endpoints import Role

    building.add_subscription(DEFAULT_SUBSCRIPTION_ID)  # every user may use it

    tutorial = building.add_gcs_endpoint(
        "Globus Tutorial Endpoint",
        id=TUTORIAL_ENDPOINT_ID,
        admin=TUTORIAL_ADMIN,
        organization="Globus",
        description="Hosts the Globus tutorial collections",
    )
    tutorial.roles[_role_id("tutorial", "admin")] = Role(
        _role_id("tutorial", "admin"), "identity", TUTORIAL_ADMIN.identity_id, "administrator"
    )
    for number, cid in ((1, TUTORIAL_COLLECTION_1), (2, TUTORIAL_COLLECTION_2)):
        coll = building.add_mapped_collection(
            f"Globus Tutorial Collection {number}",
            endpoint=tutorial,
            id=cid,
            map_all_identities=True,
            public=True,
            organization="Globus",
            department="Tutorials",
            keywords="tutorial,example,globus",
            description=f"Tutorial collection {number}: small example files under "
            "/home/share/godata/ and a writable home directory for every user",
            contact_email="support@globus.example",
        )
        volume = coll.volume
        assert volume is not None
        volume.root.mtime = SEED_TIME
        volume.put_dir("/home", mtime=SEED_TIME, mode=0o755)
        volume.put_dir("/home/share", user="tutorial", mtime=SEED_TIME)
        volume.put_dir("/home/share/godata", user="tutorial", mtime=SEED_TIME)
        for name, data in TUTORIAL_FILES.items():
            volume.put_file(f"/home/share/godata/{name}", data, user="tutorial", mtime=SEED_TIME)

    research = building.add_gcs_endpoint(
        "Example University Research Computing",
        id=RESEARCH_ENDPOINT_ID,
        organization="Example University",
        department="Research Computing",
    )
    archive = building.add_mapped_collection(
        "Example University Climate Archive",
        endpoint=research,
        id=RESEARCH_COLLECTION_ID,
        map_all_identities=True,
        requires_data_access_consent=True,
        public=True,
        organization="Example University",
        department="Research Computing",
        keywords="climate,model,archive",
        quota_bytes=50 * 1024**4,
        description="Model output of the regional climate ensemble (needs data_access consent)",
    )
    assert archive.volume is not None
    archive.volume.put_dir("/projects/climate", mtime=SEED_TIME)
    archive.volume.put_dir("/home", mtime=SEED_TIME)
    for run in range(1, 3):
        for step in range(3):
            archive.volume.put_file(
                f"/projects/climate/run-{run:03d}/output-{step:02d}.nc",
                size=(1 + step) * 1024**3,
                seed=f"climate-{run}-{step}",
                mtime=SEED_TIME,
            )
    archive.volume.put_file(
        "/projects/climate/README.txt",
        b"Regional climate ensemble, runs 001-002.\n",
        mtime=SEED_TIME,
    )

    gcp = building.add_mapped_collection(
        "Demo Laptop",
        gcp_owner=DEMO_USER,
        id=DEMO_GCP_ID,
        home_template="/Users/{user}/",
        description="A Globus Connect Personal endpoint on a demo laptop",
    )
    assert gcp.volume is not None
    home = f"/Users/{DEMO_USER.local_name()}"
    gcp.volume.put_dir(home, user=DEMO_USER.local_name(), mode=0o755, mtime=SEED_TIME)
    gcp.volume.put_file(
        f"{home}/shared/results.csv",
        b"run,score\n1,0.93\n2,0.95\n",
        user=DEMO_USER.local_name(),
        mtime=SEED_TIME,
    )
    gcp.volume.put_file(
        f"{home}/shared/notes.md",
        b"# Notes\nSee results.csv\n",
        user=DEMO_USER.local_name(),
        mtime=SEED_TIME,
    )
    guest = building.add_guest_collection(
        "Demo Shared Results",
        host=gcp,
        owner=DEMO_USER,
        host_path=f"{home}/shared/",
        id=DEMO_GUEST_ID,
        description="Results shared read-only with every Globus user",
        public=True,
    )
    from mockglobus.transfer.endpoints import AclRule

    rule_id = str(uuid.uuid5(_NS, "demo-guest-acl"))
    guest.acl[rule_id] = AclRule(rule_id, "all_authenticated_users", "", "/", "r", SEED_TIME)
