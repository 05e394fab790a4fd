//go:build race

package main

// raceDetector tells whether the tests run with -race, which makes the
// hash functions of the long round trips several times slower.
const raceDetector = true
