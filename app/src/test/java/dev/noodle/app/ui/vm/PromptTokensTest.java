package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.app.ui.vm.PromptTokens.Kind;
import dev.noodle.app.ui.vm.PromptTokens.Span;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The prompt tokenizer behind the highlighting prompt editor: a pure function, tested on strings. */
class PromptTokensTest {
    /** Renders spans as {@code kind'text'} joined by spaces, plain text bare (depth as a suffix when nested). */
    private static String show(String text) {
        List<Span> spans = PromptTokens.tokenize(text);
        int at = 0;
        for (Span s : spans) {
            assertEquals(at, s.start(), "spans must cover the text without gaps");
            at = s.end();
        }
        assertEquals(text.length(), at);
        return spans.stream()
                .map(s -> s.kind() == Kind.PLAIN ? "'" + s.in(text) + "'"
                        : s.kind().name().toLowerCase() + (s.depth() > 1 ? s.depth() : "") + "'" + s.in(text) + "'")
                .collect(Collectors.joining(" "));
    }

    @Test
    void weightedAndPlainGroups() {
        assertEquals("'a ' bracket'(' emphasis'cat' weight':1.2' bracket')' ', ' bracket'(' emphasis'dog' bracket')'",
                show("a (cat:1.2), (dog)"));
        assertEquals("bracket'(' emphasis'x' weight':0.8' bracket')(' emphasis'y' weight':1' bracket')'",
                show("(x:0.8)(y:1)"));
        assertEquals("bracket'(' emphasis'x' weight': .5 ' bracket')'", show("(x: .5 )"));
    }

    @Test
    void aColonThatIsNotAWeightStaysText() {
        assertEquals("bracket'(' emphasis'style:anime' bracket')'", show("(style:anime)"));
        assertEquals("bracket'(' emphasis'a:1.2 b' bracket')'", show("(a:1.2 b)"));
    }

    @Test
    void nestedParenthesesCountDepth() {
        assertEquals("bracket'(' emphasis'a ' bracket'(' emphasis2'b' weight2':1.3' bracket')' bracket')'",
                show("(a (b:1.3))"));
        assertEquals("bracket'(' bracket'(' emphasis2'x' bracket')' bracket')'", show("((x))"));
        assertEquals(2, PromptTokens.tokenize("((x))").get(2).depth());
    }

    @Test
    void squareBracketsDeemphasise() {
        assertEquals("bracket'[' deemphasis'ugly' bracket']' ' hand'", show("[ugly] hand"));
        assertEquals("bracket'(' emphasis'a ' bracket'[' emphasis'b' bracket']' bracket')'", show("(a [b])"));
    }

    @Test
    void escapesAreNotBrackets() {
        assertEquals("'a ' escape'\\(' 'b' escape'\\)'", show("a \\(b\\)"));
        assertEquals("bracket'(' emphasis'x ' escape'\\)' emphasis' y' bracket')'", show("(x \\) y)"));
        assertEquals("escape'\\\\' 'n'", show("\\\\n"));
    }

    @Test
    void unbalancedBracketsAreFlagged() {
        assertEquals("unbalanced'(' 'a ' bracket'(' emphasis'b' bracket')'", show("(a (b)"));
        assertEquals("'a' unbalanced')'", show("a)"));
        assertEquals("unbalanced'(' 'a' unbalanced']'", show("(a]"));
        assertEquals("'x ' unbalanced'['", show("x ["));
    }

    @Test
    void embeddingNamesWithDotsAndDashes() {
        assertEquals("'a ' embedding'embedding:easy-negative.v2' ', b'", show("a embedding:easy-negative.v2, b"));
        assertEquals("'end ' embedding'embedding:bad_hands-5' '.'", show("end embedding:bad_hands-5."));
        assertEquals("bracket'(' embedding'embedding:style.v1' weight':1.1' bracket')'", show("(embedding:style.v1:1.1)"));
        assertEquals("'noembedding:x'", show("noembedding:x"));
    }

    @Test
    void loraTags() {
        assertEquals("'a ' tag'<lora:add_detail-v1.2:0.8>' ' b'", show("a <lora:add_detail-v1.2:0.8> b"));
        assertEquals("bracket'(' emphasis'x ' tag'<lora:y:1>' bracket')'", show("(x <lora:y:1>)"));
        assertEquals("'<b>'", show("<b>"));
    }

    @Test
    void emptyTextHasNoSpans() {
        assertEquals(List.of(), PromptTokens.tokenize(""));
    }
}
