package dev.noodle.graph.model;

/** A free text note on the canvas. */
public record Note(String id, String text, double x, double y, double width, double height) {}
