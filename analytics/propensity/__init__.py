"""Who will buy an item in a large basket soon: the item propensity model of the Promote page.

One global model over customer × candidate-item rows (any item can be scored without training
per item), judged out of time against two baselines. Pure: frames and arrays in, frames and
arrays out.

* ``design`` — the raw inputs a row needs and the model's features computed from them;
* ``models`` — the linear candidates (logistic regression with L2 and L1 penalties, SGD) and
  linear scoring from stored coefficients;
* ``baselines`` — item popularity and the customer's own purchase frequency of the item;
* ``scoring`` — per-item and pooled metrics of a score against what happened;
* ``audience`` — audience sizes that capture a share of the expected buyers, expected buyers
  and pushes per sale;
* ``explain`` — what the coefficients say, in words.
"""
