package dev.grm4j.metarm;

import java.util.List;

/**
 * A logistic model over standardized features: p = sigmoid(bias + sum_i weight_i * (x_i - mean_i) / scale_i).
 * Fitted by Newton's method (iteratively reweighted least squares) on the mean binary cross-entropy
 * plus {@code l2 / 2 * |weights|^2}, with step halving; deterministic for given rows. Immutable.
 */
record LinearModel(List<String> features, double[] means, double[] scales, double[] weights, double bias,
                   int iterations) {

    /** Below this a feature is constant in training and is left unscaled. */
    private static final double MIN_SCALE = 1e-12;
    /** Keeps the Newton system solvable when l2 is 0 and features are collinear. */
    private static final double RIDGE = 1e-9;
    private static final double TOLERANCE = 1e-10;

    LinearModel {
        features = List.copyOf(features);
        int d = features.size();
        if (means.length != d || scales.length != d || weights.length != d) {
            throw new IllegalArgumentException("features, means, scales and weights must have the same length, were "
                    + d + ", " + means.length + ", " + scales.length + ", " + weights.length);
        }
        for (int i = 0; i < d; i++) {
            if (!Double.isFinite(means[i]) || !(scales[i] > 0) || !Double.isFinite(scales[i])
                    || !Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("feature " + features.get(i) + " has a non-finite mean or weight "
                        + "or a scale <= 0: mean " + means[i] + ", scale " + scales[i] + ", weight " + weights[i]);
            }
        }
        if (!Double.isFinite(bias)) {
            throw new IllegalArgumentException("bias must be finite, was " + bias);
        }
        means = means.clone();
        scales = scales.clone();
        weights = weights.clone();
    }

    /** The probability for a row aligned with {@link #features()}. */
    double probability(double[] x) {
        return sigmoid(logit(x));
    }

    double logit(double[] x) {
        double z = bias;
        for (int i = 0; i < weights.length; i++) {
            z += weights[i] * (x[i] - means[i]) / scales[i];
        }
        return z;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /**
     * Fits a model to {@code rows} (each aligned with {@code names}) and 0/1 {@code labels}.
     *
     * @param l2            the L2 penalty on the standardized weights (not the bias), >= 0
     * @param maxIterations Newton steps at most
     */
    static LinearModel fit(List<String> names, double[][] rows, double[] labels, double l2, int maxIterations) {
        int n = rows.length;
        int d = names.size();
        double[] means = new double[d];
        double[] scales = new double[d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                means[j] += row[j] / n;
            }
        }
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                double centred = row[j] - means[j];
                scales[j] += centred * centred / n;
            }
        }
        for (int j = 0; j < d; j++) {
            scales[j] = Math.sqrt(scales[j]);
            if (!(scales[j] > MIN_SCALE)) {
                scales[j] = 1;
            }
        }
        double[][] z = new double[n][d + 1];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                z[r][j] = (rows[r][j] - means[j]) / scales[j];
            }
            z[r][d] = 1;
        }
        double[] theta = new double[d + 1];
        double loss = loss(z, labels, theta, l2);
        int iteration = 0;
        while (iteration < maxIterations) {
            iteration++;
            double[] gradient = new double[d + 1];
            double[][] hessian = new double[d + 1][d + 1];
            for (int r = 0; r < n; r++) {
                double p = sigmoid(dot(z[r], theta));
                double residual = (p - labels[r]) / n;
                double weight = p * (1 - p) / n;
                double[] row = z[r];
                for (int a = 0; a <= d; a++) {
                    gradient[a] += residual * row[a];
                    double wa = weight * row[a];
                    if (wa != 0) {
                        for (int b = a; b <= d; b++) {
                            hessian[a][b] += wa * row[b];
                        }
                    }
                }
            }
            for (int a = 0; a <= d; a++) {
                for (int b = 0; b < a; b++) {
                    hessian[a][b] = hessian[b][a];
                }
                hessian[a][a] += RIDGE + (a < d ? l2 : 0);
                if (a < d) {
                    gradient[a] += l2 * theta[a];
                }
            }
            double[] step = solve(hessian, gradient);
            double t = 1;
            double[] next = new double[d + 1];
            double nextLoss;
            while (true) {
                for (int a = 0; a <= d; a++) {
                    next[a] = theta[a] - t * step[a];
                }
                nextLoss = loss(z, labels, next, l2);
                if (nextLoss <= loss + 1e-15 || t < 1e-6) {
                    break;
                }
                t /= 2;
            }
            double moved = 0;
            for (int a = 0; a <= d; a++) {
                moved = Math.max(moved, Math.abs(next[a] - theta[a]));
            }
            theta = next.clone();
            loss = nextLoss;
            if (moved < TOLERANCE) {
                break;
            }
        }
        double[] weights = new double[d];
        System.arraycopy(theta, 0, weights, 0, d);
        return new LinearModel(names, means, scales, weights, theta[d], iteration);
    }

    private static double loss(double[][] z, double[] labels, double[] theta, double l2) {
        double total = 0;
        for (int r = 0; r < z.length; r++) {
            double a = dot(z[r], theta);
            // log(1 + e^a) - y * a, computed without overflow.
            total += Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))) - labels[r] * a;
        }
        double penalty = 0;
        for (int j = 0; j < theta.length - 1; j++) {
            penalty += theta[j] * theta[j];
        }
        return total / z.length + l2 / 2 * penalty;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** Solves {@code a x = b} by Gaussian elimination with partial pivoting; {@code a} is overwritten. */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[] x = b.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            double[] swapRow = a[col];
            a[col] = a[pivot];
            a[pivot] = swapRow;
            double swap = x[col];
            x[col] = x[pivot];
            x[pivot] = swap;
            double diagonal = a[col][col];
            if (diagonal == 0) {
                continue;
            }
            for (int row = col + 1; row < n; row++) {
                double factor = a[row][col] / diagonal;
                if (factor != 0) {
                    for (int k = col; k < n; k++) {
                        a[row][k] -= factor * a[col][k];
                    }
                    x[row] -= factor * x[col];
                }
            }
        }
        for (int row = n - 1; row >= 0; row--) {
            double sum = x[row];
            for (int k = row + 1; k < n; k++) {
                sum -= a[row][k] * x[k];
            }
            x[row] = a[row][row] == 0 ? 0 : sum / a[row][row];
        }
        return x;
    }
}
