"""takedown's exchange for python-threatexchange and HMA: the bank's feed, withdrawals included.

    threatexchange config extensions add threatexchange_takedown

See docs/platforms.md in the takedown repository for the CLI and HMA set-up.
"""

from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from threatexchange_takedown.exchange import TakedownFeedSignalExchangeAPI
from threatexchange_takedown.signals import PhotoMD5Signal, PhotoSHA256Signal

TX_MANIFEST = ThreatExchangeExtensionManifest(
    signal_types=(PhotoMD5Signal, PhotoSHA256Signal),
    apis=(TakedownFeedSignalExchangeAPI,),
)
