// Placeholder so the static library has a translation unit until media/ lands.
