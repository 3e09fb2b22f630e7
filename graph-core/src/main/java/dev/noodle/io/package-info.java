/**
 * File utilities shared by every module (workflow files, model files, PNGs, server state): JDK only, so the engine,
 * the graph and the app can all use them without depending on each other.
 */
package dev.noodle.io;
