package dev.noodle.graph.model;

/** A reroute dot that a link is drawn through (drawing only; links stay direct in the model). */
public record Reroute(String id, double x, double y, String linkTarget) {}
