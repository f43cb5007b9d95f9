"""The vendors of this deployment: the one list a new vendor is added to."""

from pipeline import cqa, evaluagent, exotel, kore, voxxi
from pipeline.lib.vendor import Vendor

VENDORS: tuple[Vendor, ...] = (
    kore.VENDOR,
    evaluagent.VENDOR,
    cqa.VENDOR,
    voxxi.VENDOR,
    exotel.VENDOR,
)
VENDOR_NAMES: tuple[str, ...] = tuple(vendor.name for vendor in VENDORS)
