package dev.grm4j.examples.cli;

public final class GrmCli {
    public static void main(String[] args) {}
}
