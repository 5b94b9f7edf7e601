# The web player (docs/player.md): plain files served by gamehostd at
# /play/{id} (index.html) and /play/assets/ (the rest), from [api] player_dir.
playerdir = $(pkgdatadir)/player
dist_player_DATA = player/index.html player/player.js player/player.css
