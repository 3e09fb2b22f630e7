package dev.noodle.graph.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Axis values read as AUTOMATIC1111's X/Y/Z plot reads them, converted and checked against the input's spec. */
class SweepValuesTest {
    static final IntInput STEPS = IntInput.of("steps", 20, 1, 100);
    static final IntInput SKIP = IntInput.of("stop_at_clip_layer", -1, -24, -1);
    static final FloatInput STRENGTH = FloatInput.of("strength_model", 1.0, -20.0, 20.0);
    static final ComboInput SAMPLER = ComboInput.of("sampler_name", "euler", "euler_ancestral", "dpmpp_2m");

    @Test
    void commaListsConvertToTheInputsType() {
        assertEquals(List.of(10L, 20L, 30L), SweepValues.parse("10, 20,30", STEPS));
        assertEquals(List.of(-1L, -2L), SweepValues.parse("-1,-2", SKIP));
        assertEquals(List.of(0.0, 0.5, 1.0), SweepValues.parse("0, .5, 1", STRENGTH));
        assertEquals(List.of("euler", "dpmpp_2m"), SweepValues.parse("euler, dpmpp_2m", SAMPLER));
        assertEquals(List.of(true, false), SweepValues.parse("true,false", BoolInput.of("b", false)));
        assertEquals(List.of("a cat, sitting", " a dog"),
                SweepValues.parse("\"a cat, sitting\",\" a dog\"", StringInput.of("text", "")));
    }

    @Test
    void stepRangesIncludeBothEnds() {
        assertEquals(List.of(1L, 3L, 5L), SweepValues.parse("1-5 (+2)", STEPS));
        assertEquals(List.of(1L, 2L, 3L), SweepValues.parse("1-3", STEPS));
        assertEquals(List.of(5L, 3L, 1L), SweepValues.parse("5-1 (-2)", STEPS));
        assertEquals(List.of(-1L, -2L, -3L), SweepValues.parse("-1--3 (-1)", SKIP));
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75), SweepValues.parse("0-0.75 (+0.25)", STRENGTH));
        // 0.1 steps do not collect binary noise, and the end is not missed by a rounding error
        assertEquals(List.of(0.1, 0.2, 0.3), SweepValues.parse("0.1-0.3 (+0.1)", STRENGTH));
        assertEquals(List.of(2L, 10L, 20L, 30L), SweepValues.parse("2, 10-30 (+10)", STEPS));
    }

    @Test
    void countRangesAreEvenlySpacedAsLinspace() {
        assertEquals(List.of(0.5, 0.75, 1.0), SweepValues.parse("0.5-1.0 [3]", STRENGTH));
        // numpy.linspace(1, 10, 5) = 1, 3.25, 5.5, 7.75, 10; A1111 truncates each with int()
        assertEquals(List.of(1L, 3L, 5L, 7L, 10L), SweepValues.parse("1-10 [5]", STEPS));
        assertEquals(List.of(1.0), SweepValues.parse("1-2 [1]", STRENGTH));
    }

    @Test
    void mistakesAreNamedAndSaidInPlainWords() {
        assertMessage("'abc' for 'strength_model': 'abc' is not a number", "0.5, abc", STRENGTH);
        assertMessage("'200' for 'steps': 200 is outside 1 to 100", "10,200", STEPS);
        assertMessage("'1-5 (+0)': the step in ( ) must not be 0", "1-5 (+0)", STEPS);
        assertMessage("'1-5 (-1)': the step -1 goes away from 5; use (+1)", "1-5 (-1)", STEPS);
        assertMessage("this input takes whole numbers", "1-2 (+0.5)", STEPS);
        assertMessage("'ddim' for 'sampler_name': not one of its options euler, euler_ancestral, dpmpp_2m",
                "euler, ddim", SAMPLER);
        assertMessage("has an empty value", "1,,2", STEPS);
        assertMessage("no values given for 'steps'", " ", STEPS);
        assertMessage("at most 1000", "0-20 (+0.001)", STRENGTH);
        assertMessage("takes a MODEL link, not a value",
                "1", SocketInput.of("model", PortType.MODEL));
        assertMessage("quote that is never closed", "\"a, b", StringInput.of("text", ""));
    }

    @Test
    void labelsShowValuesAsPeopleWriteThem() {
        assertEquals("1.0", SweepValues.format(1.0));
        assertEquals("0.75", SweepValues.format(0.75));
        assertEquals("0.3", SweepValues.format(0.1 + 0.2));
        assertEquals("-2", SweepValues.format(-2L));
    }

    private static void assertMessage(String part, String text, dev.noodle.graph.spec.InputSpec spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepValues.parse(text, spec));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
