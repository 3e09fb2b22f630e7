package dev.noodle.graph.model;

/** A titled rectangle drawn behind nodes. */
public record Group(String title, double x, double y, double width, double height, String color) {}
