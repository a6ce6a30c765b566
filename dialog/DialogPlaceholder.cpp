// Placeholder so the static library has a translation unit until dialog/ lands.
