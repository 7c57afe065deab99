"""Text the generated courses are written from: titles, sentences, questions (all seeded)."""

from __future__ import annotations

import random

__all__ = [
    "COURSE_TITLES",
    "LEAF_NAMES",
    "LINKS",
    "LIST_ITEMS",
    "MCQ_BANK",
    "OPTION_BANK",
    "SENTENCES",
    "SUBTOPICS",
    "TOPICS",
    "UNIT_TITLES",
    "numerical_question",
]

COURSE_TITLES = (
    "Data, Models and Decisions",
    "Foundations of Applied Statistics",
    "Evidence-Based Reasoning with Data",
    "Introduction to Data Science",
)
TOPICS = (
    "Thinking with Data", "Collecting Good Samples", "Describing Distributions", "Probability and Chance",
    "Random Variables", "The Normal Curve", "Sampling Variability", "Confidence Intervals",
    "Testing Hypotheses", "Comparing Two Groups", "Correlation and Causation", "Linear Regression",
    "Multiple Regression", "Classification Basics", "Decision Trees", "Evaluating Models",
    "Time Series", "Designing Experiments", "Bayesian Reasoning", "Ethics, Privacy & Fairness",
    "Visual Storytelling", "Working with Text", "Clustering", "Capstone Project",
)  # fmt: skip
SUBTOPICS = (
    "Key Vocabulary", "A First Example", "Common Pitfalls", "Working in a Spreadsheet",
    "Reading Graphs Critically", "Measuring Spread", "From Question to Data", "Tables and Tidy Data",
    "Simulation by Hand", "Using Software", "Interpreting Results", "Assumptions and Checks",
    "A Case Study from Public Health", "A Case Study from Sports", "Communicating Uncertainty",
    "Outliers and Influential Points", "Choosing the Right Chart", "Estimating with Confidence",
    "Errors and Power", "Putting It Together", "Review and Reflection", "Data Cleaning in Practice",
    "The Role of Randomness", "Models as Simplifications", "When Methods Disagree", "Résumé of the Week",
)  # fmt: skip
UNIT_TITLES = (
    "Why This Matters", "Getting Started", "A Worked Example", "Try It Yourself", "Looking Closer",
    "Checking Your Work", "A Common Mistake", "Variations on the Theme", "Behind the Formula",
    "Real-World Data", "Interpreting the Output", "Summary and Next Steps", "Practice Set",
    "Thinking About Bias", "Choosing a Method", "Reading a Research Paper", "Going Further",
    "Quick Review", "Data in the News", "Asking Better Questions", "Small Samples, Big Claims",
    "The Shape of the Data", "Rules of Thumb", "Edge Cases", "Café Data: A Field Trip",
    "From Sketch to Chart", "Trade-offs", "Lab Walkthrough", "Self-Assessment", "Wrap-Up",
)  # fmt: skip
LEAF_NAMES: dict[str, tuple[str, ...]] = {
    "html": ("Introduction", "Reading: {t}", "Key Ideas", "Worked Example: {t}", "Summary",
             "Before You Begin", "Going Further: {t}", "Notes on {t}", "Text Overview", "Glossary"),
    "problem": ("Check Your Understanding", "Practice Problem {n}", "Quick Check: {t}", "Exercise {n}",
                "Concept Question", "Problem {n}: {t}"),
    "video": ("Video: {t}", "Lecture {n}: {t}", "Demo: {t}", "Interview: {t}", "Video Walkthrough"),
    "discussion": ("Discussion: {t}", "Share Your Thoughts", "Discuss: {t}", "Questions and Answers"),
}  # fmt: skip
SENTENCES = (
    "In this part of the course we look at {t} from a practical angle, starting from questions people ask.",
    "Most of these ideas were first developed to answer questions about crops, medicines and machines.",
    "Before reaching for a formula, sketch the data and say in plain words what you expect to see.",
    "A good summary is short, honest about its limits, and easy for someone else to check.",
    "We will return to {t} several times, each time with a slightly more demanding example.",
    "Notice that the <strong>order of the steps</strong> matters: cleaning data after modelling is a trap.",
    "Software makes the arithmetic painless, but the judgement about what to compute is still yours.",
    "When two methods disagree, that disagreement is itself a finding worth reporting.",
    "Small samples are noisy; a pattern that appears in ten observations often fades away in a thousand.",
    "The examples use real measurements, rounded so that you can follow the calculations by hand.",
    "Keep a notebook of the assumptions you make, because you will need to defend them later.",
    "A café owner in Zürich recorded daily sales for a year; we use her data to illustrate {t}.",
    "The temperature readings were taken at 7 °C intervals, which limits how finely we can resolve changes.",
    "Researchers often report an estimate with a range, such as 12.4 ± 0.8 µg, rather than a single value.",
    "It is tempting to read causation into a correlation — resist until a design supports it.",
    "The so-called naïve approach is not always wrong; sometimes it is exactly the right baseline.",
    "Try to predict the answer before you compute it, then compare: the gap is where learning happens.",
    "We say <em>population</em> for the whole group we study and <em>sample</em> for the part we observe.",
    "If the plot looks surprising, check the units and the scale of the axes before drawing conclusions.",
    "Each week ends with a short assignment; the practice questions along the way are not graded.",
    "Many published findings about {t} turned out to depend on a single unusual data point.",
    "A model is a simplification, and the useful question is whether it is simple in the right ways.",
    "Rounding too early can change a conclusion, so carry a few extra digits through intermediate steps.",
    "Ask who collected the data, how, and why: the answers shape what the numbers can tell you.",
    "Working with a partner is encouraged, but write up your answers in your own words.",
    "Think of the standard error as the typical distance between an estimate and the truth it estimates.",
    "The same dataset can support several honest stories; our job is to say which ones it cannot support.",
    "Historical note: many of these tools were refined in agricultural field trials in the 1920s and 1930s.",
    "Visualising {t} often reveals structure that summary statistics hide completely.",
    "Look for the denominator: a rate without one is a number without meaning.",
    "If you are unsure where to begin, start by listing the variables and the type of each one.",
    "The exercises are designed so that a wrong first attempt still teaches you something useful.",
)
LIST_ITEMS = (
    "State the question in one sentence.", "Identify the population and the sample.",
    "List the variables and their units.", "Plot the raw data before summarising it.",
    "Check for missing or impossible values.", "Choose a method and write down its assumptions.",
    "Compute the estimate and its uncertainty.", "Compare the result with your prediction.",
    "Explain the result to a non-specialist.", "Note what would change your conclusion.",
    "Record the software and version you used.", "Keep a copy of the original, uncleaned data.",
    "Look for a plausible lurking variable.", "Report effect sizes, not only p-values.",
    "Write a one-paragraph summary for the forum.", "Re-run the analysis with one outlier removed.",
)  # fmt: skip
LINKS = (
    ("Open data portal", "https://data.example.org/catalog"),
    ("Course glossary", "https://example.org/glossary"),
    ("Worked notebook", "https://notebooks.example.org/lcbench/week"),
    ("Further reading", "https://library.example.org/reading-list"),
    ("Visualisation gallery", "https://example.org/gallery"),
)
MCQ_BANK = (
    ("Which measure of centre is least affected by a few extreme values?", "The median",
     ("The mean", "The range", "The standard deviation"),
     "The median depends only on the middle of the ordered data, so a few extreme values barely move it."),
    ("Ice-cream sales and drowning incidents rise and fall together. What is the most likely explanation?",
     "Hot weather drives both", ("Ice cream causes drowning", "Drowning causes ice-cream sales",
                                 "The relationship is a coincidence"),
     "Both increase in summer: temperature is a lurking variable that explains the association."),
    ("A survey is posted on a website and anyone can answer. What is the main problem with the results?",
     "Voluntary response bias", ("Too many questions", "Sampling error is zero", "The sample is random"),
     "People who choose to answer tend to feel strongly, so they do not represent the population."),
    ("Which plot is best for showing how one numerical variable is distributed?", "A histogram",
     ("A pie chart", "A scatterplot", "A bar chart of categories"),
     "A histogram shows the shape, centre and spread of a single numerical variable."),
    ("Doubling the sample size roughly does what to the standard error of the mean?",
     "Divides it by about 1.4", ("Halves it", "Doubles it", "Leaves it unchanged"),
     "The standard error scales with 1/√n, and √2 ≈ 1.41."),
    ("What does a 95% confidence interval describe?",
     "A range produced by a method that captures the true value 95% of the time",
     ("The range containing 95% of the data", "A 95% chance the sample mean is inside",
      "The middle 95% of the population"),
     "The confidence is in the procedure: across many samples, 95% of such intervals contain the parameter."),
    ("A correlation coefficient of \N{MINUS SIGN}0.9 indicates…", "A strong negative linear relationship",
     ("A weak relationship", "No relationship", "A strong positive relationship"),
     "The sign gives the direction and the magnitude (close to 1) gives the strength of the linear pattern."),
    ("In a randomised experiment, why are subjects assigned to groups at random?",
     "To balance unknown confounders between groups", ("To make the sample larger",
                                                       "To guarantee significant results",
                                                       "To avoid having to measure anything"),
     "Random assignment makes the groups comparable on average, including on variables nobody measured."),
)  # fmt: skip
OPTION_BANK = (
    ("True or false: a p-value is the probability that the null hypothesis is true.", "False",
     ("True", "False"),
     "A p-value is computed assuming the null hypothesis is true; it is not that hypothesis's probability."),
    ("Points on a scatterplot rise from left to right. The correlation is…", "positive",
     ("positive", "negative", "zero"), "An upward trend means larger x values go with larger y values."),
    ("A variable recording eye colour is…", "categorical", ("numerical", "categorical", "ordinal numeric"),
     "Eye colour names groups; arithmetic on it would be meaningless."),
    ("Removing an outlier far above the others will make the mean…", "decrease",
     ("increase", "decrease", "stay the same"), "The outlier pulled the mean upward; without it, it drops."),
    ("A study that only observes people, without assigning treatments, is…", "observational",
     ("experimental", "observational", "a census"), "No treatment is assigned: an observational study."),
)  # fmt: skip


def numerical_question(rng: random.Random) -> tuple[str, str, str, str]:
    """A numerical question: (question, answer, tolerance, explanation)."""
    kind = rng.randrange(4)
    if kind == 0:
        values = [rng.randint(3, 40) for _ in range(5)]
        mean = sum(values) / 5
        question = f"Find the mean of these five measurements: {', '.join(map(str, values))}."
        return question, f"{mean:g}", "0.01", f"Add the values ({sum(values)}) and divide by 5: {mean:g}."
    if kind == 1:
        before, after = rng.randint(40, 200), rng.randint(40, 200)
        change = (after - before) / before * 100
        question = (
            f"Sales went from {before} to {after} units. What is the percentage change? "
            "Give a signed number without the % sign."
        )
        times = "\N{MULTIPLICATION SIGN}"
        return (
            question,
            f"{change:.1f}",
            "0.5",
            f"({after} - {before}) / {before} {times} 100 ≈ {change:.1f}.",
        )
    if kind == 2:
        p, q = rng.choice((0.2, 0.25, 0.3, 0.4, 0.5)), rng.choice((0.1, 0.5, 0.6, 0.75, 0.9))
        question = (
            f"Two independent events have probabilities {p} and {q}. What is the probability both happen?"
        )
        return question, f"{p * q:g}", "0.001", f"For independent events, multiply: {p} x {q} = {p * q:g}."
    mu, sigma = rng.randint(50, 100), rng.randint(4, 15)
    x = mu + sigma * rng.choice((-2, -1, 1, 2, 3))
    z = (x - mu) / sigma
    question = f"Scores have mean {mu} and standard deviation {sigma}. What is the z-score of a score of {x}?"
    return question, f"{z:g}", "0.01", f"z = ({x} \N{MINUS SIGN} {mu}) / {sigma} = {z:g}."
